"""The promotion gate, run against MLflow: score a retrained version and the version holding
the alias on the same recent labelled records, and move the alias when the candidate wins.

:func:`judge_candidate` reads the monitor's labelled records with event times from
``since`` on (the end of the time range the candidate was trained on, so neither version
was trained on them; :meth:`monitor.store.Store.labelled_records`). With fewer than
``min_labels`` it waits (or, once ``give_up`` says the wait is over, does not promote).
Otherwise it loads both versions with the pyfunc flavour, turns the records into each
one's input (:func:`monitor.mlflow.pyfunc.model_input`), scores them with the engine's
metrics (:func:`monitor.engine.promotion.scored_performance`) and decides
(:func:`monitor.engine.promotion.decide_promotion`). A promotion moves the alias with
:meth:`MlflowRegistry.move_alias`, the one code path of every promotion, so monitors that
follow the alias check against the candidate's baseline from their next check on.

It runs in the service's retraining job (``alerts.retraining``), once per finished run
(while waiting for labels, once per poll), and it is the one place outside the model server
that loads models: the scoring module is imported here only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

import pandas as pd

import monitor.mlflow.pyfunc as scoring
import monitor.mlflow.tracking as dm
from monitor.config.alerts import Promotion
from monitor.engine.promotion import decide_promotion, scored_performance
from monitor.engine.records import EVENT_AT
from monitor.errors import DriftlineError, RegistryUnavailable
from monitor.store import Store

__all__ = ["GateVerdict", "judge_candidate"]

_LABEL: Final = "__driftline_label__"
_SCORING_FAILURES: Final = (DriftlineError, ValueError, KeyError, TypeError)


@dataclass(frozen=True, slots=True)
class GateVerdict:
    """What the gate found: ``waiting`` for labels, ``promoted`` (the alias was moved) or
    ``not_promoted``, with both versions' metric when they were scored."""

    status: Literal["waiting", "promoted", "not_promoted"]
    candidate_value: float | None
    current_value: float | None
    current_version: str | None
    n_labels: int
    records_until_at: datetime | None
    detail: str


def _score(
    registry: dm.MlflowRegistry, name: str, version: str, records: pd.DataFrame, metric: str
) -> tuple[float, int]:
    """``metric`` of ``name`` version ``version`` on ``records`` and the labels it used."""
    served = scoring.load_version(registry, name, version)
    if served.baseline is None or served.baseline.target is None:
        raise DriftlineError(
            f"version {version} has no Driftline baseline with a target; log one with "
            "log_baseline(..., target=..., prediction=...) in its training run"
        )
    frame = records.rename(columns={_LABEL: served.baseline.target})
    raw = scoring.predict(served, scoring.model_input(served, frame))
    performance = scored_performance(served.baseline, frame, raw)
    return performance.metrics.get(metric, math.nan), performance.n_labelled


def _value(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def judge_candidate(
    registry: dm.MlflowRegistry,
    store: Store,
    *,
    monitor: str,
    model_name: str,
    alias: str,
    candidate: str,
    since: datetime,
    promotion: Promotion,
    give_up: bool = False,
) -> GateVerdict:
    """The gate's verdict on ``candidate`` (see the module docstring); moves ``alias`` when
    it promotes. RegistryUnavailable propagates (the next poll tries again)."""
    records = store.labelled_records(monitor, since, label_column=_LABEL)
    n_records = len(records)
    until = None if records.empty else records[EVENT_AT].max().to_pydatetime()

    def verdict(
        status: Literal["waiting", "promoted", "not_promoted"],
        detail: str,
        values: tuple[float | None, float | None] = (None, None),
        current: str | None = None,
        n_labels: int = n_records,
    ) -> GateVerdict:
        return GateVerdict(status, values[0], values[1], current, n_labels, until, detail)

    if n_records < promotion.min_labels:
        counted = f"{n_records} of {promotion.min_labels} labelled records"
        if give_up:
            wait = f"after waiting {promotion.label_wait}"
            return verdict("not_promoted", f"too few labelled records: {counted} {wait}")
        return verdict("waiting", f"waiting for labels: {counted} since {since.isoformat()}")
    current = registry.alias_version(model_name, alias)
    if current == candidate:
        return verdict(
            "not_promoted",
            f"version {candidate} already holds @{alias}: the run moved the alias itself, so "
            "the gate could not judge it; leave promotion to Driftline's gate",
            current=current,
        )
    metric = promotion.metric
    try:
        candidate_value, n_labels = _score(registry, model_name, candidate, records, metric)
    except RegistryUnavailable:
        raise  # not the candidate's fault: the next poll tries again
    except _SCORING_FAILURES as exc:
        return verdict(
            "not_promoted",
            f"candidate version {candidate} cannot be scored: {exc}",
            current=current,
        )
    current_value: float | None = None
    if current is not None:
        try:
            current_value, _ = _score(registry, model_name, current, records, metric)
        except RegistryUnavailable:
            raise
        except _SCORING_FAILURES as exc:
            return verdict(
                "not_promoted",
                f"the current version {current} cannot be scored: {exc}; it keeps serving",
                (_value(candidate_value), None),
                current,
                n_labels,
            )
    decision = decide_promotion(
        metric=metric,
        candidate=candidate_value,
        current=current_value,
        min_gain=promotion.min_gain,
        n_labels=n_labels,
        min_labels=promotion.min_labels,
    )
    values = (_value(candidate_value), None if current_value is None else _value(current_value))
    if not decision.promote:
        return verdict("not_promoted", decision.reason, values, current, n_labels)
    registry.move_alias(model_name, alias, candidate)
    return verdict("promoted", decision.reason, values, current, n_labels)
