"""The demo's printed timeline names the columns on watch apart from the drifted ones,
counted over a run of calm windows."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sample_data.timeline import Timeline, format_timeline

DAY = dt.timedelta(days=1)
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _check(day: int, status: str = "ok", share: float = 0.0) -> SimpleNamespace:
    return SimpleNamespace(
        id=day, window_start_at=T0 + day * DAY, status=status, share_drifted=share,
        model_version="1",
    )  # fmt: skip


def test_watch_columns_are_named_apart_from_drifted_ones() -> None:
    timeline = Timeline(
        checks=[_check(0), _check(1), _check(2), _check(3, "drifting", 0.25)],
        drifted_columns={3: ["income"]},
        watch_columns={0: ["age"], 2: ["age", "region"], 3: ["employment_type"]},
    )
    lines = format_timeline(timeline, "http://127.0.0.1:8000").splitlines()
    # the calm windows stay one line, with each watched column's number of windows
    [calm] = [line for line in lines if "daily windows ok" in line]
    assert calm.endswith(" 3 daily windows ok (model v1); watch: age (2), region (1)")
    [drifting] = [line for line in lines if "window drifting" in line]
    assert drifting.endswith("(model v1): income; watch: employment_type")
    assert not any("watch" in line for line in lines if line not in (calm, drifting))


def test_a_window_drifting_by_its_joint_distribution_names_the_multivariate_method() -> None:
    """A check made ``drifting`` by multivariate drift says so on its line, beside the
    drifted columns; it is never folded into the calm windows."""
    timeline = Timeline(
        checks=[_check(0), _check(1, "drifting", 0.11), _check(2, "drifting", 0.0)],
        drifted_columns={1: ["income"]},
        joint_drift={1: "classifier", 2: "pca"},
    )
    lines = format_timeline(timeline, "http://127.0.0.1:8000").splitlines()
    assert any(line.endswith("(model v1): income, multivariate (classifier)") for line in lines)
    assert any(line.endswith("(model v1): multivariate (pca)") for line in lines)
    [calm] = [line for line in lines if "daily windows ok" in line]
    assert calm.endswith(" 1 daily windows ok (model v1)")
