"""Clocks: what time the scheduler thinks it is when it decides which windows are due.

``serve`` uses the system clock (UTC) unless told otherwise. For the demo and end-to-end
tests, which replay two simulated months in about a minute, ``driftline serve --clock
file:PATH`` (or ``DRIFTLINE_CLOCK=file:PATH``) reads the time from a file that the replay
advances after it has posted every record up to that time. A window is then due when the
*simulated* time has passed its end (plus grace), never before its records were sent, however
slow the machine is. Checks also take their ``started_at``/``finished_at`` from this clock.

Only checks follow the clock. The store keeps stamping what happens in real time
(``received_at``, the scheduler lease), and schedules stay real-time intervals: with a file
clock, a monitor's ``schedule: {interval: 1s}`` polls the file every real second.

The file holds one ISO 8601 time with its UTC offset, e.g. ``2026-01-26T00:00:00Z``.
:meth:`FileClock.set` replaces it atomically, so a reader never sees half a time.

Example::

    clock = FileClock("demo.clock")
    clock.set(datetime(2026, 1, 5, tzinfo=UTC))
    clock()            # datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
    clock_from_spec("file:demo.clock")() == clock()
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from monitor.errors import ConfigError

__all__ = ["CLOCK_ENV", "Clock", "FileClock", "clock_from_spec", "system_clock"]

_log = logging.getLogger(__name__)

CLOCK_ENV: Final = "DRIFTLINE_CLOCK"
_SPEC_HINT: Final = "'system' or 'file:PATH' (a file holding an ISO 8601 time with offset)"

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


class FileClock:
    """A clock that reads the time from ``path``, which another process advances.

    A reading that fails after a good one (the file briefly missing, say) returns the last
    good time with a warning, so a running check is never broken by it; a clock that never
    read a good time raises :class:`~monitor.errors.ConfigError` naming the file and the fix.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).resolve()
        self._last: datetime | None = None

    def __repr__(self) -> str:
        return f"FileClock({str(self.path)!r})"

    @property
    def spec(self) -> str:
        """The ``--clock`` value naming this clock (with an absolute path)."""
        return f"file:{self.path}"

    def __call__(self) -> datetime:
        try:
            moment = self._read()
        except ConfigError as exc:
            if self._last is None:
                raise
            _log.warning("%s; keeping the last time read, %s", exc, self._last.isoformat())
            return self._last
        self._last = moment
        return moment

    def _read(self) -> datetime:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"clock file {self.path}: cannot read it ({exc.strerror or exc}); write the "
                "simulated time into it first, e.g. 2026-01-05T00:00:00Z"
            ) from None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.utcoffset() is None:
            raise ConfigError(
                f"clock file {self.path}: expected one ISO 8601 time with a UTC offset, "
                f"e.g. 2026-01-05T00:00:00Z, got {text[:60]!r}"
            )
        return moment.astimezone(UTC)

    def set(self, moment: datetime) -> None:
        """Write ``moment`` (aware) into the file, atomically (write aside, then rename)."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"moment must be timezone-aware, got {moment!r}")
        folder = self.path.parent
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(moment.astimezone(UTC).isoformat() + "\n")
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def clock_from_spec(spec: str | None) -> Clock:
    """The clock a ``--clock``/``DRIFTLINE_CLOCK`` value names: ``system`` (also None or
    empty) or ``file:PATH``. A file clock is read once here, so a missing or bad file is
    reported at start-up rather than at the first check."""
    text = (spec or "").strip()
    if text in ("", "system"):
        return system_clock
    kind, _, argument = text.partition(":")
    if kind == "file" and argument:
        clock = FileClock(argument)
        clock()
        return clock
    raise ConfigError(f"clock {text!r}: expected {_SPEC_HINT}")
