"""The money behind the account: credit lots, spend, expiry, and the balance at any moment.

The ledger is a timeline that does not depend on when anyone looks at it: top-ups and bonuses
are granted on a schedule drawn from the seed, model and other spend is charged at the end of
each hour, restatements charge or refund when they take effect, lots expire 365 days after
purchase, and an auto top-up happens whenever the available balance falls below $10.
`balance(at)` replays that timeline to `at`. The model spend charged through an hour is exactly
the day's cost with covered_until at that hour, so a balance snapshot deducts exactly what
/model-costs reports at the same moment.
"""

from __future__ import annotations

import bisect
import copy
import csv
import hashlib
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from simulator.account import COUNT_FIELDS, MODEL_TYPES, Account
from simulator.clock import SimClock
from simulator.days import UsageBook, day_start, days_between, hours_into
from simulator.money import micros_from_usd, usd_decimal
from simulator.query import FIELDS_BY_TYPE_MASK, DayResult, UsageQuery, aggregate, pair_mask

AUTO_TOP_UP_THRESHOLD_MICROS = 10_000_000  # auto top-up when available falls below $10
MIN_AUTO_TOP_UP_MICROS = 25_000_000  # ... by at least $25
MIN_TOP_UP_MICROS = 10_000_000
PURCHASE_VALIDITY = timedelta(days=365)
FIRST_TOP_UP_BONUS = Decimal("0.20")
REFERRED_BONUS = Decimal("0.25")
REFERRED_BONUS_CAP_MICROS = 100_000_000
REFERRER_BONUS_MICROS = 5_000_000
SUBSCRIPTION_PERIOD = timedelta(days=30)
_CHECKPOINT_EVERY_DAYS = 14

# Deduction order: subscription credits, then cash (purchases), then bonus credits.
DEDUCTION_RANK = {"subscription": 0, "purchase": 1, "bonus": 2, "referral": 2, "promotion": 2}
BONUS_KINDS = ("bonus", "referral", "promotion")


@dataclass
class CreditLot:
    """Credits granted at one moment: a purchase or a bonus, with its own expiry."""

    lot_id: str
    kind: str  # purchase | bonus | referral | promotion | subscription
    purchased_at: datetime
    amount_micros: int
    expires_at: datetime
    trigger: str  # first | manual | auto | referred | referrer | promotion | subscription
    seq: int
    remaining_micros: int = 0
    expired_micros: int = 0

    def __post_init__(self) -> None:
        self.remaining_micros = self.amount_micros

    @property
    def rank(self) -> tuple[int, datetime, int]:
        return (DEDUCTION_RANK[self.kind], self.purchased_at, self.seq)


@dataclass
class _State:
    """The ledger at one moment: every lot so far, the lots still holding credit (in deduction
    order), and cash outside any lot (refunds with no lot to return to; negative = owed)."""

    lots: list[CreditLot] = field(default_factory=list)
    active: list[CreditLot] = field(default_factory=list)
    loose_cash_micros: int = 0

    def clone(self) -> _State:
        """An independent copy (lots are mutable; `active` must point into the new `lots`)."""
        lots = [copy.copy(lot) for lot in self.lots]
        by_seq = {lot.seq: lot for lot in lots}
        active = [by_seq[lot.seq] for lot in self.active]
        return _State(lots, active, self.loose_cash_micros)

    def components(self) -> dict[str, int]:
        cash = self.loose_cash_micros
        bonus = subscription = 0
        for lot in self.active:
            if lot.kind == "purchase":
                cash += lot.remaining_micros
            elif lot.kind == "subscription":
                subscription += lot.remaining_micros
            else:
                bonus += lot.remaining_micros
        return {"cash": cash, "bonus": bonus, "subscription_bonus": subscription}

    def available_micros(self, frozen: int) -> int:
        c = self.components()
        return c["cash"] + c["bonus"] + c["subscription_bonus"] - frozen


def _round_up(micros: float, step_usd: int) -> int:
    step = step_usd * 1_000_000
    return max(step, math.ceil(micros / step) * step)


class Ledger:
    """Ground truth of the simulated account as of the simulated clock."""

    def __init__(self, account: Account, book: UsageBook, clock: SimClock) -> None:
        self.account = account
        self.book = book
        self.clock = clock
        self.config = account.config
        self._lock = threading.RLock()
        self._checkpoints: dict[int, _State] = {}
        self._sizes: tuple[int, int, int] | None = None

    # ---- public ground truth -------------------------------------------------------------

    def balance(self, at: datetime | None = None) -> dict[str, Decimal]:
        """Balance components at `at` (default: the clock), in dollars, as /balance reports."""
        micros = self.balance_micros(at)
        return {name: usd_decimal(value) for name, value in micros.items()}

    def balance_micros(self, at: datetime | None = None) -> dict[str, int]:
        state = self._state_at(self._at(at))
        c = state.components()
        frozen = micros_from_usd(self.config.frozen_usd)
        available = c["cash"] + c["bonus"] + c["subscription_bonus"] - frozen
        return {"available": available, **c, "frozen": frozen}

    def credit_lots(self, at: datetime | None = None) -> list[dict[str, Any]]:
        """Every lot granted by `at`, with what remains of it (and what expired) at `at`."""
        state = self._state_at(self._at(at))
        return [
            {
                "lot_id": lot.lot_id,
                "kind": lot.kind,
                "trigger": lot.trigger,
                "purchased_at": lot.purchased_at,
                "amount_usd": usd_decimal(lot.amount_micros),
                "expires_at": lot.expires_at,
                "remaining_usd": usd_decimal(lot.remaining_micros),
                "expired_usd": usd_decimal(lot.expired_micros),
            }
            for lot in state.lots
        ]

    def top_ups(self, start: date | None = None, end: date | None = None) -> list[dict[str, Any]]:
        """Purchases and bonus grants made by the clock, purchased in [start, end)."""
        rows = []
        for lot in self._state_at(self.clock.now()).lots:
            day = lot.purchased_at.date()
            if (start is None or day >= start) and (end is None or day < end):
                rows.append(
                    {
                        "purchased_at": lot.purchased_at,
                        "kind": lot.kind,
                        "trigger": lot.trigger,
                        "amount_usd": usd_decimal(lot.amount_micros),
                        "lot_id": lot.lot_id,
                        "expires_at": lot.expires_at,
                    }
                )
        return rows

    def expiries(self, start: date | None = None, end: date | None = None) -> list[dict[str, Any]]:
        """Lots that expired by the clock (expires_at in [start, end)), with the amount lost."""
        now = self.clock.now()
        rows = []
        for lot in self._state_at(now).lots:
            day = lot.expires_at.date()
            if (
                lot.expires_at <= now
                and (start is None or day >= start)
                and (end is None or day < end)
            ):
                rows.append(
                    {
                        "lot_id": lot.lot_id,
                        "kind": lot.kind,
                        "expired_at": lot.expires_at,
                        "expired_usd": usd_decimal(lot.expired_micros),
                    }
                )
        return rows

    def daily_cost_totals(self, start: date, end: date) -> dict[date, Decimal]:
        """Model spend per day in [start, end) as /model-costs reports it now (account scope)."""
        now = self.clock.now()
        return {
            day: usd_decimal(self.book.cost_as_of(day, now))
            for day in days_between(start, end)
            if day <= now.date()
        }

    def daily_other_spend(self, start: date, end: date) -> dict[date, Decimal]:
        """Non-model (DevPod/GPU/storage) spend per day in [start, end); today's is partial."""
        now = self.clock.now()
        return {
            day: usd_decimal(self._other_spend_through(day, hours_into(day, now)))
            for day in days_between(start, end)
            if day <= now.date()
        }

    def model_costs(
        self,
        start: date,
        end: date,
        group_by: Sequence[str] = ("model", "api_key"),
        **filters: Any,
    ) -> list[dict[str, Any]]:
        """Cost rows like the API's (account scope by default), with `date`, `amount_usd`."""
        return [
            {**keys, "amount_usd": usd_decimal(int(result.cost_micros[i])), **meta}
            for keys, meta, result, i in self._result_rows(start, end, group_by, filters)
        ]

    def model_usage(
        self,
        start: date,
        end: date,
        group_by: Sequence[str] = ("model", "api_key"),
        **filters: Any,
    ) -> list[dict[str, Any]]:
        """Usage rows like the API's (counts present per model type), with `date`."""
        rows = []
        for keys, meta, result, i in self._result_rows(start, end, group_by, filters):
            counts = {
                COUNT_FIELDS[f]: int(result.counts[i, f])
                for f in FIELDS_BY_TYPE_MASK[int(result.type_mask[i])]
            }
            rows.append({**keys, **counts, **meta})
        return rows

    def export_purchase_ledger_csv(self, path: str | Path) -> Path:
        """Write every lot granted by the clock: lot_id,purchased_at,kind,amount_usd,expires_at."""
        path = Path(path)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["lot_id", "purchased_at", "kind", "amount_usd", "expires_at"])
            for lot in self._state_at(self.clock.now()).lots:
                writer.writerow(
                    [
                        lot.lot_id,
                        _iso(lot.purchased_at),
                        lot.kind,
                        f"{usd_decimal(lot.amount_micros):.6f}",
                        _iso(lot.expires_at),
                    ]
                )
        return path

    # ---- query rows ------------------------------------------------------------------------

    def _result_rows(
        self, start: date, end: date, group_by: Sequence[str], filters: dict[str, Any]
    ) -> list[tuple[dict[str, Any], dict[str, Any], DayResult, int]]:
        now = self.clock.now()
        query = UsageQuery(
            group_by=tuple(sorted(set(group_by))),
            scope=filters.pop("scope", "account"),
            user=filters.pop("user", "owner"),
            **{k: tuple(v) if v is not None else None for k, v in filters.items()},
        )
        mask = pair_mask(self.account, query)
        out = []
        for day in days_between(start, end):
            if day > now.date():
                break
            result = aggregate(self.account, self.book.as_of(day, now), query, mask)
            hours = hours_into(day, now)
            meta = {
                "partial": hours < 24,
                "covered_until": day_start(day) + timedelta(hours=hours),
            }
            for i in range(len(result)):
                keys: dict[str, Any] = {"date": day}
                if result.model_type is not None:
                    keys["model_type"] = MODEL_TYPES[int(result.model_type[i])]
                if result.model is not None:
                    keys["model"] = self.account.models[int(result.model[i])].name
                if result.key_slot is not None:
                    keys["api_key_id"] = self.account.key_id_of_slot(int(result.key_slot[i]))
                out.append((keys, meta, result, i))
        return out

    # ---- the timeline ----------------------------------------------------------------------

    def invalidate_from(self, day: date) -> None:
        """Forget replayed states from `day` on (a manual restatement changed the timeline)."""
        with self._lock:
            n = self.account.day_number(day)
            for k in [k for k in self._checkpoints if k > n]:
                del self._checkpoints[k]

    def _at(self, at: datetime | None) -> datetime:
        return self.clock.now() if at is None else at.astimezone(UTC)

    def _state_at(self, at: datetime) -> _State:
        with self._lock:
            first = self.config.first_day
            if at < day_start(first):
                return _State()
            target = (at.date() - first).days
            base = max((k for k in self._checkpoints if k <= target), default=None)
            if base is None:
                state = _State()
                base = 0
                self._checkpoints[0] = state.clone()
            else:
                state = self._checkpoints[base].clone()
            for n in range(base, target):
                self._run_day(state, first + timedelta(days=n), until=None)
                if (n + 1) % _CHECKPOINT_EVERY_DAYS == 0:
                    self._checkpoints[n + 1] = state.clone()
            self._run_day(state, at.date(), until=at)
            return state

    def _run_day(self, state: _State, day: date, until: datetime | None) -> None:
        """Apply one day's events (all of them, or those at or before `until`)."""
        start = day_start(day)
        events: list[tuple[datetime, int, str, Any]] = []
        for lot_args in self._scheduled_grants(day):
            events.append((lot_args[1], 0, "grant", lot_args))
        for lot in state.active:
            if lot.expires_at < start + timedelta(days=1):
                events.append((lot.expires_at, 1, "expire", lot))
        for past in range(1, 5):
            for when, delta in self.book.restatement_charges(day - timedelta(days=past)):
                if when.date() == day:
                    events.append((when, 2, "charge", delta))
        for manual_day in self.book.manually_restated_days(before=day):
            for when, delta in self.book.restatement_charges(manual_day):
                if when.date() == day and (day - manual_day).days > 4:
                    events.append((when, 2, "charge", delta))
        # Spend is charged at each hour's end; the last hour of the previous day is charged at
        # this day's 00:00, so every event of a day falls within the day.
        for h in range(24):
            spend_day, hour = (day - timedelta(days=1), 24) if h == 0 else (day, h)
            events.append(
                (start + timedelta(hours=h), 3, "spend", self._hour_spend(spend_day, hour))
            )
        events.sort(key=lambda e: (e[0], e[1]))
        frozen = micros_from_usd(self.config.frozen_usd)
        for when, _, kind, payload in events:
            if until is not None and when > until:
                break
            if kind == "grant":
                self._grant(state, *payload)
                continue
            if kind == "expire":
                if payload in state.active:
                    payload.expired_micros = payload.remaining_micros
                    payload.remaining_micros = 0
                    state.active.remove(payload)
            else:
                self._charge(state, payload)
            # Whatever lowered the balance (spend, a late charge, an expiry) may trigger it.
            if state.lots:
                self._auto_top_up(state, when, frozen, until)

    def _hour_spend(self, day: date, hour: int) -> int:
        """Model and other spend of `day` in the hour ending at `hour` (1..24), micro-dollars."""
        if day < self.config.first_day:
            return 0
        model = self.book.hourly_costs(day)
        other = self.account.other_spend_micros(day)
        return model[hour] - model[hour - 1] + other * hour // 24 - other * (hour - 1) // 24

    def _grant(
        self, state: _State, kind: str, when: datetime, amount: int, validity: timedelta, trig: str
    ) -> None:
        seq = len(state.lots)
        lot_id = "lot_" + _hex(self.config.seed, "lot", seq)
        lot = CreditLot(lot_id, kind, when, amount, when + validity, trig, seq)
        state.lots.append(lot)
        # Credits first repay what is owed outside any lot.
        if state.loose_cash_micros < 0:
            repay = min(lot.remaining_micros, -state.loose_cash_micros)
            lot.remaining_micros -= repay
            state.loose_cash_micros += repay
        bisect.insort(state.active, lot, key=lambda x: x.rank)

    def _charge(self, state: _State, amount: int) -> None:
        """Deduct spend in deduction order; a negative amount is a refund."""
        if amount < 0:
            refund = -amount
            if state.loose_cash_micros < 0:
                back = min(refund, -state.loose_cash_micros)
                state.loose_cash_micros += back
                refund -= back
            purchases = [lot for lot in state.active if lot.kind == "purchase"]
            if purchases:
                max(purchases, key=lambda x: x.rank).remaining_micros += refund
            else:
                state.loose_cash_micros += refund
            return
        while amount > 0 and state.active:
            lot = state.active[0]
            take = min(lot.remaining_micros, amount)
            lot.remaining_micros -= take
            amount -= take
            if lot.remaining_micros == 0:
                state.active.pop(0)
        state.loose_cash_micros -= amount

    def _auto_top_up(
        self, state: _State, when: datetime, frozen: int, until: datetime | None
    ) -> None:
        _, auto, _ = self._top_up_sizes()
        for i in range(1000):
            if state.available_micros(frozen) >= AUTO_TOP_UP_THRESHOLD_MICROS:
                return
            purchased_at = when + timedelta(seconds=1 + i)
            if until is not None and purchased_at > until:
                return
            self._grant(state, "purchase", purchased_at, auto, PURCHASE_VALIDITY, "auto")

    def _top_up_sizes(self) -> tuple[int, int, int]:
        """(initial, auto, typical manual) top-up amounts in micro-dollars."""
        if self._sizes is None:
            first = self.config.first_day
            sample = [
                self.book.full_total(first + timedelta(days=i))
                + self.account.other_spend_micros(first + timedelta(days=i))
                for i in range(14)
            ]
            daily = max(sum(sample) / len(sample), 1_000_000.0)
            cfg = self.config
            initial = (
                micros_from_usd(cfg.initial_top_up_usd)
                if cfg.initial_top_up_usd is not None
                else _round_up(30 * daily, 10)
            )
            auto = (
                micros_from_usd(cfg.auto_top_up_usd)
                if cfg.auto_top_up_usd is not None
                else _round_up(7 * daily, 5)
            )
            self._sizes = (
                max(initial, MIN_TOP_UP_MICROS),
                max(auto, MIN_AUTO_TOP_UP_MICROS),
                _round_up(20 * daily, 10),
            )
        return self._sizes

    def _scheduled_grants(self, day: date) -> list[tuple[str, datetime, int, timedelta, str]]:
        """Grants on a day that do not depend on spend: (kind, when, amount, validity, trigger)."""
        cfg = self.config
        n = self.account.day_number(day)
        if n < 0:
            return []
        initial, _, manual = self._top_up_sizes()
        rng = np.random.default_rng([cfg.seed, 0x70F, n])
        start = day_start(day)
        grants = []
        if n == 0:
            when = start + timedelta(minutes=5, seconds=int(rng.integers(0, 3000)))
            grants.append(("purchase", when, initial, PURCHASE_VALIDITY, "first"))
            bonus = int(initial * FIRST_TOP_UP_BONUS)
            grants.append(("bonus", when, bonus, PURCHASE_VALIDITY, "first"))
            if cfg.referred:
                referred = min(int(initial * REFERRED_BONUS), REFERRED_BONUS_CAP_MICROS)
                grants.append(("referral", when, referred, PURCHASE_VALIDITY, "referred"))
        draws = rng.random(3)
        hour = start + timedelta(hours=int(rng.integers(8, 21)), minutes=int(rng.integers(60)))
        if cfg.manual_top_ups and n >= 7 and draws[0] < 1 / 40:
            amount = _round_up(manual * float(rng.uniform(0.5, 2.0)), 10)
            grants.append(("purchase", hour, amount, PURCHASE_VALIDITY, "manual"))
        if cfg.referrals and n >= 1 and draws[1] < 1 / 60:
            grants.append(("referral", hour, REFERRER_BONUS_MICROS, PURCHASE_VALIDITY, "referrer"))
        if cfg.promotions and n >= 1 and draws[2] < 1 / 120:
            amount = int(rng.choice([10, 20, 25])) * 1_000_000
            validity = timedelta(days=cfg.promotion_expiry_days)
            grants.append(("promotion", hour, amount, validity, "promotion"))
        if cfg.subscription_usd_per_month > 0 and n % SUBSCRIPTION_PERIOD.days == 0:
            amount = micros_from_usd(cfg.subscription_usd_per_month)
            when = start + timedelta(seconds=30)
            grants.append(("subscription", when, amount, SUBSCRIPTION_PERIOD, "subscription"))
        return grants

    def _other_spend_through(self, day: date, hours: int) -> int:
        return self.account.other_spend_micros(day) * hours // 24


def _hex(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
