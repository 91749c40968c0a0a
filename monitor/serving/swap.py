"""Following an alias while serving: load the new version alongside, then swap atomically.

:class:`LiveModel` holds the model version that answers requests now. A request takes
:attr:`LiveModel.current` once and uses that object to the end, so a swap never changes
the model under a request in flight: the old version finishes what it started, and
Python frees it when the last such request returns.

:meth:`LiveModel.refresh` asks the registry which version holds the alias; when it moved,
the new version is loaded while the old one keeps serving, then put in place with one
reference assignment. A version that fails to load is not swapped in: the failure is
logged, kept in :attr:`LiveModel.status` (shown on ``/health``) and tried again at the
next refresh. A background thread refreshes every ``poll_interval_s``; the MLflow webhook
wakes it at once (:meth:`LiveModel.wake`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from monitor.errors import DriftlineError

__all__ = ["LiveModel", "LoadFailure", "SwapStatus", "Versioned"]

_log = logging.getLogger(__name__)

DetectedBy = Literal["start", "poll", "webhook"]


class Versioned(Protocol):
    @property
    def version(self) -> str: ...


M = TypeVar("M", bound=Versioned)


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """A version that could not be loaded (or a registry that could not be asked)."""

    version: str | None
    message: str
    at_s: float

    def to_dict(self) -> dict[str, object]:
        return {"version": self.version, "message": self.message, "at": self.at_s}


@dataclass(frozen=True, slots=True)
class SwapStatus:
    """What ``/health`` shows about the model: serving version, swaps, the last failure."""

    version: str
    loaded_at_s: float
    swaps: int
    last_refresh_at_s: float | None
    last_failure: LoadFailure | None


class LiveModel(Generic[M]):
    """The served version of one alias. ``resolve()`` returns the version the alias points
    at; ``load(version)`` loads it (both raise DriftlineError on failure)."""

    def __init__(
        self,
        resolve: Callable[[], str],
        load: Callable[[str], M],
        *,
        poll_interval_s: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if poll_interval_s <= 0:
            raise ValueError(f"poll_interval_s must be > 0, got {poll_interval_s}")
        self._resolve = resolve
        self._load = load
        self.poll_interval_s = poll_interval_s
        self._clock = clock
        self._refresh_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        version = resolve()
        self._current: M = load(version)
        self._loaded_at_s = clock()
        self._swaps = 0
        self._last_refresh_at_s: float | None = None
        self._last_failure: LoadFailure | None = None
        _log.info("serving version %s", version)

    @property
    def current(self) -> M:
        """The version answering requests now (take it once per request)."""
        return self._current

    @property
    def status(self) -> SwapStatus:
        return SwapStatus(
            self._current.version,
            self._loaded_at_s,
            self._swaps,
            self._last_refresh_at_s,
            self._last_failure,
        )

    def refresh(self, detected_by: DetectedBy = "poll") -> bool:
        """Resolve the alias; load and swap in a new version. True when it swapped."""
        with self._refresh_lock:
            self._last_refresh_at_s = self._clock()
            try:
                version = self._resolve()
            except DriftlineError as exc:
                self._fail(None, f"cannot resolve the alias: {exc}")
                return False
            serving = self._current.version
            if version == serving:
                if self._last_failure is not None and self._last_failure.version is None:
                    self._last_failure = None  # the registry answers again
                return False
            _log.info(
                "alias moved to version %s (detected by %s); loading it", version, detected_by
            )
            try:
                loaded = self._load(version)
            except DriftlineError as exc:
                self._fail(version, str(exc))
                return False
            self._current = loaded  # the swap: one reference assignment
            self._loaded_at_s = self._clock()
            self._swaps += 1
            self._last_failure = None
            _log.info("now serving version %s (was %s)", version, serving)
            return True

    def _fail(self, version: str | None, message: str) -> None:
        self._last_failure = LoadFailure(version, message, self._clock())
        if version is None:
            _log.warning("%s; still serving version %s", message, self._current.version)
        else:
            _log.error(
                "version %s was not swapped in: %s; still serving version %s",
                version,
                message,
                self._current.version,
            )

    def wake(self) -> None:
        """Refresh now (the MLflow webhook calls this)."""
        self._wake.set()

    def start(self) -> None:
        """Start the background refresh thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="alias-poll", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            woken = self._wake.wait(self.poll_interval_s)
            self._wake.clear()
            if self._stop.is_set():
                return
            self.refresh("webhook" if woken else "poll")
