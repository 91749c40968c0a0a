"""When a ``performance_drop`` rule on realised performance must wait for labels.

Labels often arrive days after a window's check, so a ``source: realised`` rule does not
judge a window at check time: it advances on its own cursor (its alert's last evaluated
window) and evaluates its windows in order, each once its realised label coverage reaches
``min_label_coverage``. It waits at the first window not covered enough yet, unless that
window ended ``label_wait`` or longer ago: then the window counts as unknown (it neither
counts towards ``for`` nor breaks a streak) and the rule moves past it. Pure functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from monitor.store import WindowPerformance

__all__ = ["awaiting_labels", "waits_for_labels"]


def waits_for_labels(rule: Any) -> bool:
    """Whether ``rule`` (a ``monitor.config.alerts`` rule) judges realised performance."""
    return bool(rule.kind == "performance_drop" and rule.source == "realised")


def awaiting_labels(
    rule: Any,
    performance: WindowPerformance | None,
    window_end_at: dt.datetime,
    now: dt.datetime,
) -> bool:
    """Whether ``rule`` must not evaluate the window ending at ``window_end_at`` yet: it
    judges realised performance, the window's label coverage is below the rule's
    ``min_label_coverage`` and the window ended less than ``label_wait`` before ``now``."""
    if not waits_for_labels(rule):
        return False
    if now - window_end_at >= rule.label_wait:
        return False
    realised = None if performance is None else performance.realised
    return realised is None or realised.label_coverage < rule.min_label_coverage
