"""Each day's usage as it stands at a given moment: partial while the day runs, restated after.

A day is generated when first asked for and kept in a small cache; whole-day totals and the
cost changes of restatements are kept for every day (a few integers each), which is what the
balance needs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, date, datetime, time, timedelta

from simulator.account import Account, DayRows, Restatement, empty_day

_DAY_CACHE_SIZE = 48


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def hours_into(day: date, at: datetime) -> int:
    """Whole hours of `day` elapsed at `at` (0..24)."""
    seconds = (at - day_start(day)).total_seconds()
    return max(0, min(24, int(seconds // 3600)))


class UsageBook:
    """Days of usage on demand, with restatements (scheduled and manual) applied as of a moment."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self._lock = threading.RLock()
        self._days: OrderedDict[date, DayRows] = OrderedDict()
        self._scheduled: dict[date, list[Restatement]] = {}
        self._manual: dict[date, list[Restatement]] = {}
        self._hourly_costs: dict[date, list[int]] = {}
        self._charges: dict[date, list[tuple[datetime, int]]] = {}
        # Bumped by every manual restatement, so caches keyed on it see the change.
        self.version = 0

    def full_day(self, day: date) -> DayRows:
        """The whole day as it stood at its close (no restatement applied)."""
        with self._lock:
            rows = self._days.get(day)
            if rows is not None:
                self._days.move_to_end(day)
                return rows
            rows = self.account.generate_day(day)
            self._days[day] = rows
            if len(self._days) > _DAY_CACHE_SIZE:
                self._days.popitem(last=False)
            return rows

    def hourly_costs(self, day: date) -> list[int]:
        """The day's cost through hour 0..24 before any restatement, in micro-dollars (kept for
        every day: this is what the balance is charged hour by hour)."""
        with self._lock:
            costs = self._hourly_costs.get(day)
            if costs is None:
                costs = self.account.hourly_cumulative_costs(self.full_day(day))
                self._hourly_costs[day] = costs
            return costs

    def full_total(self, day: date) -> int:
        """Cost of the whole day at its close, in micro-dollars."""
        return self.hourly_costs(day)[24]

    def restatements(self, day: date) -> list[Restatement]:
        """Every restatement of `day` (scheduled and manual), in effective order."""
        with self._lock:
            scheduled = self._scheduled.get(day)
            if scheduled is None:
                scheduled = self.account.scheduled_restatements(day, self.full_day(day))
                self._scheduled[day] = scheduled
            return sorted(scheduled + self._manual.get(day, []))

    def add_manual(self, event: Restatement) -> None:
        with self._lock:
            self._manual.setdefault(event.day, []).append(event)
            self._charges.pop(event.day, None)
            self.version += 1

    def manually_restated_days(self, before: date) -> list[date]:
        with self._lock:
            return [day for day in self._manual if day < before]

    def restatement_charges(self, day: date) -> list[tuple[datetime, int]]:
        """(effective_at, cost change in micro-dollars) of each restatement of `day`."""
        with self._lock:
            charges = self._charges.get(day)
            if charges is None:
                events = self.restatements(day)
                deltas = self.account.restatement_cost_changes(self.full_day(day), events)
                charges = [(e.effective_at, d) for e, d in zip(events, deltas, strict=True)]
                self._charges[day] = charges
            return charges

    def visible_restatements(self, day: date, at: datetime) -> list[Restatement]:
        return [e for e in self.restatements(day) if e.effective_at <= at]

    def as_of(self, day: date, at: datetime) -> DayRows:
        """The day as the API reports it at `at`: partial if it is `at`'s day, restated if closed,
        empty if it has not started."""
        today = at.date()
        if day > today or day < self.account.config.first_day:
            return empty_day()
        rows = self.full_day(day)
        if day == today:
            return self.account.partial_day(rows, hours_into(day, at))
        events = self.visible_restatements(day, at)
        restated, _ = self.account.apply_restatements(rows, events)
        return restated

    def cost_as_of(self, day: date, at: datetime) -> int:
        """Total cost of `day` as /model-costs reports it at `at`, in micro-dollars."""
        today = at.date()
        if day > today or day < self.account.config.first_day:
            return 0
        if day == today:
            return self.hourly_costs(day)[hours_into(day, at)]
        changes = sum(d for when, d in self.restatement_charges(day) if when <= at)
        return self.full_total(day) + changes

    def state_token(self, day: date, at: datetime) -> tuple[int, int, int]:
        """A small value that changes whenever `as_of(day, at)` would: for caching."""
        if day >= at.date():
            return (hours_into(day, at), 0, self.version)
        return (24, len(self.visible_restatements(day, at)), self.version)


def days_between(start: date, end: date) -> list[date]:
    """Days in the half-open range [start, end)."""
    return [start + timedelta(days=i) for i in range((end - start).days)]
