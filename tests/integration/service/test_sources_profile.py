"""Pull sources profile a window chunk by chunk: the same counts and verdicts as the
window's rows read whole, whatever the chunking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.engine.baseline import build_baseline
from monitor.engine.compare import compare
from monitor.engine.profile import Profile, profile_spec
from monitor.errors import InputError
from monitor.service.files import CHUNK_ROWS
from monitor.service.sources import FileSource, SqlSource

T0 = datetime(2026, 2, 1, tzinfo=UTC)
N = CHUNK_ROWS + 9_000  # more than one chunk


def _live(n: int = N, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "event_time": [T0 + timedelta(seconds=int(i)) for i in range(n)],
            "income": rng.normal(53, 10, n),
            "region": rng.choice(["north", "south", "west"], n),
            "extra": 1,
        }
    )


def _baseline() -> object:
    rng = np.random.default_rng(1)
    return build_baseline(
        pd.DataFrame(
            {"income": rng.normal(50, 10, 5_000), "region": rng.choice(["north", "south"], 5_000)}
        )
    )


def _same_counts(a: Profile, b_frame: pd.DataFrame, baseline: object) -> None:
    whole = compare(baseline, b_frame, workers=1)  # type: ignore[arg-type]
    folded = compare(baseline, a, workers=1)  # type: ignore[arg-type]
    assert a.n_rows == len(b_frame)
    assert folded.drifted_columns == whole.drifted_columns
    for column in folded.columns:
        other = whole.column(column.name)
        assert (column.n_current, column.histogram, column.psi) == (
            other.n_current,
            other.histogram,
            other.psi,
        )
    assert [f.to_dict() for f in folded.quality] == [f.to_dict() for f in whole.quality]


@pytest.mark.parametrize("naive", [False, True])
def test_parquet_files_are_profiled_with_the_time_filter_pushed_down(
    tmp_path: Path, naive: bool
) -> None:
    live = _live()
    if naive:
        live["event_time"] = live["event_time"].dt.tz_localize(None)
    live.iloc[:40_000].to_parquet(tmp_path / "a.parquet")
    live.iloc[40_000:].to_parquet(tmp_path / "b.parquet")
    source = FileSource("*.parquet", "event_time", base_dir=tmp_path)
    start, end = T0 + timedelta(seconds=1_000), T0 + timedelta(seconds=N - 500)
    baseline = _baseline()
    profile = source.profile_window(start, end, profile_spec(baseline))  # type: ignore[arg-type]
    _same_counts(profile, source.load_window(start, end), baseline)
    assert profile.n_rows == N - 1_500


def test_csv_files_are_profiled_with_the_time_filter_after_reading(tmp_path: Path) -> None:
    _live(20_000).to_csv(tmp_path / "a.csv", index=False)
    source = FileSource("*.csv", "event_time", base_dir=tmp_path)
    start, end = T0 + timedelta(seconds=100), T0 + timedelta(seconds=15_000)
    baseline = _baseline()
    profile = source.profile_window(start, end, profile_spec(baseline))  # type: ignore[arg-type]
    _same_counts(profile, source.load_window(start, end), baseline)


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    source = FileSource("*.parquet", "event_time", base_dir=tmp_path)
    with pytest.raises(InputError, match=r"bad\.parquet.*cannot be read"):
        source.profile_window(T0, T0 + timedelta(hours=1), profile_spec(_baseline()))  # type: ignore[arg-type]


def test_a_sql_source_streams_its_window_in_chunks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = sa.create_engine(url)
    _live().assign(event_time=lambda f: f.event_time.dt.tz_localize(None)).to_sql(
        "predictions", engine, index=False
    )
    engine.dispose()
    source = SqlSource(url, "SELECT * FROM predictions", "event_time")
    try:
        start, end = T0, T0 + timedelta(seconds=N)
        baseline = _baseline()
        profile = source.profile_window(start, end, profile_spec(baseline))  # type: ignore[arg-type]
        _same_counts(profile, source.load_window(start, end), baseline)
        assert profile.n_rows == N
    finally:
        source.close()


def test_a_csv_column_with_text_past_the_first_block_is_read_like_pandas(
    tmp_path: Path,
) -> None:
    """Arrow infers a CSV column's type from the first block; text further down (here in
    the last rows of 'income') falls back to chunked pandas reading, and the check reports
    the values that are not numbers, as the whole-window path does."""
    live = _live(N).astype({"income": object})
    live.loc[N - 5 :, "income"] = "oops"
    live.to_csv(tmp_path / "a.csv", index=False)
    source = FileSource("*.csv", "event_time", base_dir=tmp_path)
    start, end = T0, T0 + timedelta(seconds=N)
    baseline = _baseline()
    profile = source.profile_window(start, end, profile_spec(baseline))  # type: ignore[arg-type]
    assert profile.columns["income"].n_unreadable == 5
    _same_counts(profile, source.load_window(start, end), baseline)
    assert source.event_range() == (T0, T0 + timedelta(seconds=N - 1))


def test_event_range_reads_only_the_event_time_column(tmp_path: Path) -> None:
    live = _live(1_000)
    live.iloc[:400].to_parquet(tmp_path / "a.parquet")
    live.iloc[400:].to_csv(tmp_path / "b.csv", index=False)
    source = FileSource("*", "event_time", base_dir=tmp_path)
    assert source.event_range() == (T0, T0 + timedelta(seconds=999))
    (tmp_path / "c.csv").write_text("other\n1\n")
    with pytest.raises(InputError, match=r"c\.csv.*no event-time column 'event_time'"):
        source.event_range()


def test_the_same_files_in_another_folder_give_the_same_sample_and_verdict(
    tmp_path: Path,
) -> None:
    """A row's sampling key names its file relative to the glob's folder, not by its
    absolute path: copied elsewhere, the files give the same joint sample, so the same
    multivariate verdict (with absolute paths a check's verdict changed with the folder)."""
    live = _live(30_000)
    baseline = _baseline()
    start, end = T0, T0 + timedelta(seconds=30_000)
    found = []
    for folder in (tmp_path / "here" / "day=1", tmp_path / "elsewhere" / "deeper" / "day=1"):
        folder.mkdir(parents=True)
        live.iloc[:12_000].to_parquet(folder / "part-0.parquet")
        live.iloc[12_000:].to_parquet(folder / "part-1.parquet")
        source = FileSource(str(folder.parent / "day=*" / "*.parquet"), "event_time")
        profile = source.profile_window(start, end, profile_spec(baseline, k=10_000))  # type: ignore[arg-type]
        found.append((profile, compare(baseline, profile, workers=1)))  # type: ignore[arg-type]
    (here, here_report), (there, there_report) = found
    assert here.sample.shape[0] == 10_000 < 30_000  # a sample, not every row
    pd.testing.assert_frame_equal(here.sample, there.sample)
    assert here_report.multivariate.to_dict() == there_report.multivariate.to_dict()


def test_same_named_files_in_two_partitions_draw_different_rows(tmp_path: Path) -> None:
    """``day=1/part-0.parquet`` and ``day=2/part-0.parquet`` are different streams: with
    equal keys, bottom-k would keep the same positions of both files, not a uniform sample."""
    live = _live(16_000)
    for day, rows in (("day=1", live.iloc[:8_000]), ("day=2", live.iloc[8_000:])):
        (tmp_path / day).mkdir()
        rows.reset_index(drop=True).to_parquet(tmp_path / day / "part-0.parquet")
    source = FileSource("day=*/*.parquet", "event_time", base_dir=tmp_path)
    profile = source.profile_window(
        T0,
        T0 + timedelta(seconds=16_000),
        profile_spec(_baseline(), k=2_000),  # type: ignore[arg-type]
    )
    first = set(np.flatnonzero(np.isin(live["income"].iloc[:8_000], profile.sample["income"])))
    second = set(np.flatnonzero(np.isin(live["income"].iloc[8_000:], profile.sample["income"])))
    assert len(first) + len(second) == 2_000
    assert len(first & second) < 0.8 * min(len(first), len(second))
