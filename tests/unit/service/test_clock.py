"""Clocks for serve (monitor/service/clock.py): the system clock and a replay's file clock."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.service.clock import FileClock, clock_from_spec, system_clock

MOMENT = datetime(2026, 1, 26, 6, 30, tzinfo=UTC)


def test_system_clock_is_aware_utc_now() -> None:
    before = datetime.now(UTC)
    now = system_clock()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)


def test_file_clock_reads_back_what_was_set_in_utc(tmp_path: Path) -> None:
    clock = FileClock(tmp_path / "clock")
    clock.set(MOMENT.astimezone(timezone(timedelta(hours=2))))
    assert clock() == MOMENT and clock().tzinfo is UTC
    assert (tmp_path / "clock").read_text() == "2026-01-26T06:30:00+00:00\n"
    clock.set(MOMENT + timedelta(days=1))
    assert clock() == MOMENT + timedelta(days=1)
    assert [p.name for p in tmp_path.iterdir()] == ["clock"], "no temporary file left behind"


def test_file_clock_accepts_z_suffix_written_by_hand(tmp_path: Path) -> None:
    (tmp_path / "clock").write_text("2026-01-26T06:30:00Z\n")
    assert FileClock(tmp_path / "clock")() == MOMENT


def test_file_clock_refuses_a_naive_time_to_set(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FileClock(tmp_path / "clock").set(datetime(2026, 1, 26))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "cannot read it", id="missing"),
        pytest.param("soon", "expected one ISO 8601 time", id="not-a-time"),
        pytest.param("2026-01-26T06:30:00", "with a UTC offset", id="naive"),
    ],
)
def test_unreadable_clock_file_names_the_file_and_the_fix(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "clock"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message) as caught:
        FileClock(path)()
    assert str(path) in str(caught.value) and "2026-01-05T00:00:00Z" in str(caught.value)


def test_file_clock_keeps_its_last_good_time_when_the_file_goes_bad(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FileClock(tmp_path / "clock")
    clock.set(MOMENT)
    assert clock() == MOMENT
    (tmp_path / "clock").write_text("garbage")
    with caplog.at_level(logging.WARNING, logger="monitor.service.clock"):
        assert clock() == MOMENT
    assert "keeping the last time read" in caplog.text


@pytest.mark.parametrize("spec", [None, "", "system", " system "])
def test_spec_system_or_nothing_is_the_system_clock(spec: str | None) -> None:
    assert clock_from_spec(spec) is system_clock


def test_spec_file_names_an_absolute_file_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clock").write_text("2026-01-26T06:30:00Z")
    clock = clock_from_spec("file:clock")
    assert isinstance(clock, FileClock)
    assert clock.spec == f"file:{tmp_path / 'clock'}"
    assert clock() == MOMENT


def test_spec_file_is_read_at_once_so_a_missing_file_fails_early(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read it"):
        clock_from_spec(f"file:{tmp_path / 'absent'}")


@pytest.mark.parametrize("spec", ["file:", "sim:2026-01-01", "now"])
def test_unknown_spec_lists_the_accepted_forms(spec: str) -> None:
    with pytest.raises(ConfigError, match=r"expected 'system' or 'file:PATH'"):
        clock_from_spec(spec)
