"""The simulated clock: what "now" is for the API (HTTP Date, the partial day, the balance)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """A settable clock; frozen unless `ticking`, in which case it advances with real time."""

    def __init__(self, start: datetime, *, ticking: bool = False) -> None:
        self._lock = threading.Lock()
        self._ticking = ticking
        self._set_locked(start)

    def _set_locked(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("the simulated clock needs a timezone-aware datetime")
        self._anchor = when.astimezone(UTC)
        self._anchor_monotonic = time.monotonic()

    def now(self) -> datetime:
        """The simulated current time (UTC)."""
        with self._lock:
            if not self._ticking:
                return self._anchor
            elapsed = time.monotonic() - self._anchor_monotonic
            return self._anchor + timedelta(seconds=elapsed)

    def set(self, when: datetime) -> None:
        """Jump to `when` (aware datetime); moving backwards is allowed."""
        with self._lock:
            self._set_locked(when)

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta` and return the new time."""
        new = self.now() + delta
        self.set(new)
        return new
