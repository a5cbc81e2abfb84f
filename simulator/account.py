"""The account behind the simulated API: its API keys, its models and prices, and its daily usage.

Everything is a pure function of `AccountConfig` (above all its seed) and a day number, so a day's
rows can be generated on demand, in any order, and always come out the same. A day's usage is a
set of numpy vectors over the (API key, model) pairs that have usage that day; no more than one
day is ever materialised for a query.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

# Model types, sorted by name: a type's index is its position here (and its sort order).
MODEL_TYPES: tuple[str, ...] = ("audio", "image", "text", "video")
TYPE_INDEX = {name: i for i, name in enumerate(MODEL_TYPES)}

# The usage counts a result can carry, in the order they are stored (columns of `DayRows.counts`).
COUNT_FIELDS: tuple[str, ...] = (
    "requests",
    "input_tokens",
    "output_tokens",
    "images",
    "videos",
    "audio_seconds",
)
REQUESTS, INPUT_TOKENS, OUTPUT_TOKENS, IMAGES, VIDEOS, AUDIO_SECONDS = range(len(COUNT_FIELDS))

# Which counts a model type reports (the others are absent from its usage results).
FIELDS_BY_TYPE: dict[str, tuple[int, ...]] = {
    "audio": (REQUESTS, AUDIO_SECONDS),
    "image": (REQUESTS, IMAGES),
    "text": (REQUESTS, INPUT_TOKENS, OUTPUT_TOKENS),
    "video": (REQUESTS, VIDEOS),
}

# The count a restatement of a model type changes: refunded generations, late-charged videos.
RESTATED_FIELD_BY_TYPE: dict[str, int] = {
    "audio": AUDIO_SECONDS,
    "image": IMAGES,
    "text": OUTPUT_TOKENS,
    "video": VIDEOS,
}

# Share of a day's usage that has happened by the end of each UTC hour (cumulative weights over
# hour 0..24); the current day's partial counts are `full * CUMULATIVE_HOUR_WEIGHT[h] // total`.
_HOUR_WEIGHTS = (2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 8, 8, 8, 7, 6, 5, 5, 4, 4, 3, 3)
CUMULATIVE_HOUR_WEIGHT: tuple[int, ...] = tuple(
    sum(_HOUR_WEIGHTS[:h]) for h in range(len(_HOUR_WEIGHTS) + 1)
)
DAY_WEIGHT = CUMULATIVE_HOUR_WEIGHT[24]
_INNER_HOUR_WEIGHTS = np.array(CUMULATIVE_HOUR_WEIGHT[1:24], dtype=np.int64)

# Scheduled restatements land within this long after a day closes.
RESTATEMENT_WINDOW = timedelta(days=3)

Int64Array = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]


@dataclass(frozen=True)
class AccountConfig:
    """What the simulated account looks like; every generated number follows from it.

    The defaults give a small account (5 keys, 6 models) that is quick to test against.
    """

    seed: int = 7
    n_keys: int = 5
    n_models: int = 6
    first_day: date = date(2025, 1, 1)
    # DevPod / Serverless GPU / Storage spend: draws the balance, never in /model-costs.
    other_spend_usd_per_day: Decimal = Decimal("0")
    # Scheduled restatements of closed days (refunds of failed generations, late video charges).
    restatements: bool = True
    # Rough share of usage made in the Playground (results with api_key_id null).
    playground_share: float = 0.05
    # Mean number of models an API key uses (a key uses a subset of the account's models).
    models_per_key: float = 4.0
    # Mean requests a day per (key, model) pair at the start; grows by `monthly_growth`.
    requests_per_pair_per_day: float = 40.0
    monthly_growth: float = 0.03
    # Top-ups. None sizes the amount from the account's spend.
    initial_top_up_usd: Decimal | None = None
    auto_top_up_usd: Decimal | None = None
    # Occasional manual top-ups on top of the initial one and the auto top-ups.
    manual_top_ups: bool = True
    # Referred account: +25% (at most $100) on the first top-up, on top of the +20% bonus.
    referred: bool = True
    # This account refers friends now and then: $5 each time a friend tops up.
    referrals: bool = True
    promotions: bool = True
    promotion_expiry_days: int = 90
    # Monthly subscription credits (deducted first); 0 means no subscription.
    subscription_usd_per_month: Decimal = Decimal("0")
    frozen_usd: Decimal = Decimal("0")
    # An enterprise credit line; None means `credit_grant` is null in /balance.
    credit_grant_usd: Decimal | None = None
    account_name: str = "Production"
    account_type: str = "team"

    def __post_init__(self) -> None:
        if self.n_keys < 1 or self.n_models < 1:
            raise ValueError("an account needs at least one API key and one model")


@dataclass(frozen=True)
class Model:
    """A model with its type and its price per unit of each count, in micro-dollars."""

    name: str
    model_type: str
    # Micro-dollars per unit of each of COUNT_FIELDS. For text models the token prices are whole
    # dollars per million tokens, i.e. whole micro-dollars per token: tokens x price is exact.
    unit_prices_micros: tuple[int, ...]


@dataclass(frozen=True)
class DayRows:
    """One day's usage: one row per (key, model) pair with usage, sorted by pair index."""

    pair: Int32Array
    counts: Int64Array  # shape (rows, len(COUNT_FIELDS))
    cost_micros: Int64Array

    @property
    def total_cost_micros(self) -> int:
        return int(self.cost_micros.sum())

    def __len__(self) -> int:
        return len(self.pair)


@dataclass(frozen=True, order=True)
class Restatement:
    """A change to a closed day's usage, effective (visible, charged or refunded) at a moment."""

    effective_at: datetime
    day: date
    pair: int
    units: int  # signed change of the type's restated count (negative: refund)
    remove: bool = False  # the whole row is refunded and disappears
    source: Literal["scheduled", "manual"] = field(default="scheduled", compare=False)


def _stable_hex(*parts: object, length: int) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:length]


_VENDORS = ("acme", "borealis", "cirrus", "deltaforge", "ember", "fjord", "halcyon", "lumen")
_FAMILIES = {
    "text": ("chat", "instruct", "coder", "reasoner"),
    "image": ("diffuse", "pixelcraft"),
    "video": ("motion", "reel"),
    "audio": ("voice", "speech"),
}


def _type_plan(n_models: int) -> list[str]:
    """Model types for n models: every type once (when there is room), then mostly text."""
    cycle = ["text", "image", "video", "text", "audio", "text", "image", "video", "text", "text"]
    plan = ["text", "image", "video", "audio"][: min(4, n_models)]
    i = 0
    while len(plan) < n_models:
        plan.append(cycle[i % len(cycle)])
        i += 1
    return plan


class Account:
    """The catalog (keys, models, who owns which key) and the generator of daily usage."""

    def __init__(self, config: AccountConfig) -> None:
        self.config = config
        rng = np.random.default_rng([config.seed, 0xACC7])
        self.account_id = "acc_" + _stable_hex("account", config.seed, length=16)
        self._build_models(rng)
        self._build_keys(rng)
        self._build_pairs(rng)

    # ---- catalog ---------------------------------------------------------------------------

    def _build_models(self, rng: np.random.Generator) -> None:
        models: list[Model] = []
        for i, model_type in enumerate(_type_plan(self.config.n_models)):
            vendor = _VENDORS[int(rng.integers(len(_VENDORS)))]
            family = _FAMILIES[model_type][int(rng.integers(len(_FAMILIES[model_type])))]
            name = f"{vendor}/{family}-{i + 1}"
            prices = [0] * len(COUNT_FIELDS)
            if model_type == "text":
                prices[INPUT_TOKENS] = int(rng.integers(1, 8))  # $ per million input tokens
                prices[OUTPUT_TOKENS] = prices[INPUT_TOKENS] * int(rng.integers(2, 5))
            elif model_type == "image":
                prices[IMAGES] = int(rng.integers(10, 80)) * 1_000  # $0.010 .. $0.079 per image
            elif model_type == "video":
                prices[VIDEOS] = int(rng.integers(15, 120)) * 10_000  # $0.15 .. $1.19 per video
            else:
                prices[AUDIO_SECONDS] = int(rng.integers(2, 12)) * 100  # per second of audio
            models.append(Model(name, model_type, tuple(prices)))
        models.sort(key=lambda m: m.name)
        self.models: list[Model] = models
        self.model_index = {m.name: i for i, m in enumerate(models)}
        self.model_type_idx: Int32Array = np.array(
            [TYPE_INDEX[m.model_type] for m in models], dtype=np.int32
        )
        self.unit_prices: Int64Array = np.array(
            [m.unit_prices_micros for m in models], dtype=np.int64
        )

    def _build_keys(self, rng: np.random.Generator) -> None:
        n = self.config.n_keys
        ids = sorted("ak_" + _stable_hex("key", self.config.seed, i, length=24) for i in range(n))
        self.key_ids: list[str] = ids
        self.key_index = {k: i for i, k in enumerate(ids)}
        # Day (from first_day) each key was created: the first at once, the rest over time.
        created = rng.exponential(45.0, n).astype(np.int64)
        created[int(rng.integers(n))] = 0
        self.key_created_day: Int64Array = created
        # The self-only user (a member) owns about a quarter of the keys; the owner the rest.
        n_member = max(1, n // 4) if n > 1 else 1
        member = np.zeros(n, dtype=bool)
        member[rng.choice(n, size=n_member, replace=False)] = True
        self.key_is_member: npt.NDArray[np.bool_] = member

    def _build_pairs(self, rng: np.random.Generator) -> None:
        cfg = self.config
        n_keys, n_models = cfg.n_keys, len(self.models)
        # Popular models are shared by many keys (Zipf-like weights).
        popularity = 1.0 / np.arange(1, n_models + 1) ** 0.8
        popularity = popularity[rng.permutation(n_models)]
        popularity /= popularity.sum()
        pair_key: list[int] = []
        pair_model: list[int] = []
        for key in range(n_keys + 1):  # the last "key" is the Playground (api_key_id null)
            if key == n_keys:
                k = min(n_models, 3)
            else:
                k = min(n_models, 1 + int(rng.poisson(max(cfg.models_per_key - 1.0, 0.0))))
            chosen = rng.choice(n_models, size=k, replace=False, p=popularity)
            pair_key.extend([key] * k)
            pair_model.extend(int(m) for m in chosen)
        keys = np.array(pair_key, dtype=np.int32)
        models = np.array(pair_model, dtype=np.int32)
        # Sort by (model, key slot): the {model, api_key} grouping is then already in API order.
        order = np.lexsort((keys, models))
        self.pair_key_slot: Int32Array = keys[order]  # n_keys means the Playground
        self.pair_model: Int32Array = models[order]
        n_pairs = len(order)
        self.pair_type: Int32Array = self.model_type_idx[self.pair_model]
        rate = rng.lognormal(0.0, 0.8, n_pairs) * cfg.requests_per_pair_per_day
        playground = self.pair_key_slot == n_keys
        if playground.any():
            keyed_rate = rate[~playground].sum()
            share = min(max(cfg.playground_share, 0.0), 0.9)
            rate[playground] *= keyed_rate * share / max(rate[playground].sum(), 1e-9)
        # Fewer video/audio requests than text, as in real accounts.
        rate = rate * np.array([0.3, 0.6, 1.0, 0.1])[self.pair_type]
        self.pair_rate = rate
        self.pair_activity = rng.uniform(0.5, 0.98, n_pairs)
        self.pair_input_tokens = rng.lognormal(7.0, 0.7, n_pairs)  # ~1,100 tokens a request
        self.pair_output_tokens = rng.lognormal(5.8, 0.6, n_pairs)  # ~330
        self.pair_images_extra = rng.uniform(0.0, 1.5, n_pairs)
        self.pair_audio_seconds = rng.uniform(5.0, 90.0, n_pairs)
        created = np.append(self.key_created_day, 0)  # the Playground exists from day 0
        self.pair_first_day: Int64Array = created[self.pair_key_slot]

    def key_id_of_slot(self, slot: int) -> str | None:
        """The ak_ id of a key slot; None for the Playground slot."""
        return self.key_ids[slot] if slot < len(self.key_ids) else None

    @property
    def playground_slot(self) -> int:
        return len(self.key_ids)

    def pair_of(self, api_key_id: str | None, model: str) -> int:
        """The pair index of (key, model); raises KeyError if that key never uses that model."""
        slot = self.playground_slot if api_key_id is None else self.key_index[api_key_id]
        m = self.model_index[model]
        hits = np.flatnonzero((self.pair_key_slot == slot) & (self.pair_model == m))
        if len(hits) == 0:
            raise KeyError(f"{api_key_id} does not use {model}")
        return int(hits[0])

    # ---- daily usage -----------------------------------------------------------------------

    def day_number(self, day: date) -> int:
        return (day - self.config.first_day).days

    def generate_day(self, day: date) -> DayRows:
        """The full day's usage (as it stood when the day closed, before any restatement)."""
        i = self.day_number(day)
        n = len(self.pair_model)
        if i < 0:
            return empty_day()
        rng = np.random.default_rng([self.config.seed, 0xDA7, i])
        weekly = 1.0 if day.weekday() < 5 else 0.55
        growth = (1.0 + self.config.monthly_growth) ** (i / 30.0)
        active = rng.random(n) < self.pair_activity
        noise = rng.standard_normal((4, n)).astype(np.float32)
        mean = self.pair_rate * weekly * growth * np.exp(0.25 * noise[0])
        requests = rng.poisson(mean) * (active & (self.pair_first_day <= i))
        keep = np.flatnonzero(requests > 0)
        spread = np.exp(0.2 * noise[1:, keep])
        req = requests[keep].astype(np.int64)
        kind = self.pair_type[keep]
        counts = np.zeros((len(keep), len(COUNT_FIELDS)), dtype=np.int64)
        counts[:, REQUESTS] = req
        is_text = kind == TYPE_INDEX["text"]
        counts[:, INPUT_TOKENS] = np.where(
            is_text, req * self.pair_input_tokens[keep] * spread[0], 0
        ).astype(np.int64)
        counts[:, OUTPUT_TOKENS] = np.where(
            is_text, req * self.pair_output_tokens[keep] * spread[1], 0
        ).astype(np.int64)
        extra_images = (req * self.pair_images_extra[keep] * spread[2]).astype(np.int64)
        counts[:, IMAGES] = np.where(kind == TYPE_INDEX["image"], req + extra_images, 0)
        counts[:, VIDEOS] = np.where(kind == TYPE_INDEX["video"], req, 0)
        counts[:, AUDIO_SECONDS] = np.where(
            kind == TYPE_INDEX["audio"], req * self.pair_audio_seconds[keep], 0
        ).astype(np.int64)
        pair = keep.astype(np.int32)
        return DayRows(pair, counts, self.cost_of(pair, counts))

    def cost_of(self, pair: Int32Array, counts: Int64Array) -> Int64Array:
        """Cost in micro-dollars of each row: usage x unit price, exactly."""
        prices = self.unit_prices[self.pair_model[pair]]
        return (counts * prices).sum(axis=1).astype(np.int64)

    def hourly_cumulative_costs(self, rows: DayRows) -> list[int]:
        """The day's cost as counted through hour 0, 1, ..., 24 (what /model-costs would report
        with covered_until at that hour), in micro-dollars."""
        prices = self.unit_prices[self.pair_model[rows.pair]]
        priced = prices != 0
        counts, unit_prices = rows.counts[priced], prices[priced]
        # Hours 0 and 24 are known (nothing, everything); compute the 23 in between in place.
        counted = np.multiply.outer(_INNER_HOUR_WEIGHTS, counts)
        counted //= DAY_WEIGHT
        counted *= unit_prices
        inner = counted.sum(axis=1).tolist()
        return [0, *inner, int((counts * unit_prices).sum())]

    def partial_day(self, rows: DayRows, hours: int) -> DayRows:
        """The day as counted through `hours` whole hours (rows with no usage yet are dropped)."""
        if hours >= 24:
            return rows
        counts = rows.counts * CUMULATIVE_HOUR_WEIGHT[hours] // DAY_WEIGHT
        keep = np.flatnonzero(counts.any(axis=1))
        pair = rows.pair[keep]
        counts = counts[keep]
        return DayRows(pair, counts, self.cost_of(pair, counts))

    # ---- restatements ----------------------------------------------------------------------

    def scheduled_restatements(self, day: date, rows: DayRows) -> list[Restatement]:
        """The restatements planned for a closed day: refunds of failed image/video generations
        (some refund a row entirely) and late charges of videos completed after the day closed.
        All land within three days after the close."""
        if not self.config.restatements or len(rows) == 0:
            return []
        i = self.day_number(day)
        rng = np.random.default_rng([self.config.seed, 0x5E57, i])
        kinds = self.pair_type[rows.pair]
        candidates = np.flatnonzero((kinds == TYPE_INDEX["image"]) | (kinds == TYPE_INDEX["video"]))
        if len(candidates) == 0:
            return []
        # About one restatement a day in a small account, a few dozen in a large one.
        n_events = int(rng.poisson(0.6 + 0.01 * len(candidates)))
        chosen = np.unique(candidates[rng.integers(0, len(candidates), n_events)])
        day_end = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
        window_minutes = int(RESTATEMENT_WINDOW.total_seconds() // 60)
        events: list[Restatement] = []
        for r in sorted(int(c) for c in chosen):
            pair = int(rows.pair[r])
            model_type = MODEL_TYPES[int(kinds[r])]
            current = int(rows.counts[r, RESTATED_FIELD_BY_TYPE[model_type]])
            effective_at = day_end + timedelta(minutes=int(rng.integers(1, window_minutes)))
            roll = float(rng.random())
            if model_type == "video" and roll < 0.5:
                units = 1 + int(rng.integers(0, 3))
                events.append(Restatement(effective_at, day, pair, units))
            elif roll > 0.8 or current <= 1:
                events.append(Restatement(effective_at, day, pair, -current, remove=True))
            else:
                units = 1 + int(rng.integers(0, max(1, current // 4)))
                events.append(Restatement(effective_at, day, pair, -min(units, current - 1)))
        return events

    def apply_restatements(
        self, rows: DayRows, events: list[Restatement]
    ) -> tuple[DayRows, list[int]]:
        """Apply events (in effective order) to a day; also return each event's cost change."""
        if not events:
            return rows, []
        touched, deltas = self._restated_rows(rows, events)
        counts = rows.counts.copy()
        cost = rows.cost_micros.copy()
        keep = np.ones(len(rows), dtype=bool)
        for r, (row_counts, row_cost) in touched.items():
            if row_counts is None:
                keep[r] = False
            else:
                counts[r] = row_counts
                cost[r] = row_cost
        idx = np.flatnonzero(keep)
        return DayRows(rows.pair[idx], counts[idx], cost[idx]), deltas

    def restatement_cost_changes(self, rows: DayRows, events: list[Restatement]) -> list[int]:
        """The cost change of each event (in effective order), without rebuilding the day."""
        return self._restated_rows(rows, events)[1] if events else []

    def _restated_rows(
        self, rows: DayRows, events: list[Restatement]
    ) -> tuple[dict[int, tuple[list[int] | None, int]], list[int]]:
        """The rows events touch ({row: (new counts or None if removed, new cost)}) and the
        cost change of each event."""
        touched: dict[int, tuple[list[int] | None, int]] = {}
        deltas: list[int] = []
        for event in sorted(events):
            r = int(np.searchsorted(rows.pair, event.pair))
            if r >= len(rows) or int(rows.pair[r]) != event.pair:
                deltas.append(0)  # that key did not use that model that day
                continue
            counts, cost = touched.get(r, (rows.counts[r].tolist(), int(rows.cost_micros[r])))
            if counts is None:
                deltas.append(0)  # already refunded entirely
                continue
            if event.remove:
                touched[r] = (None, 0)
                deltas.append(-cost)
                continue
            field_ = RESTATED_FIELD_BY_TYPE[MODEL_TYPES[int(self.pair_type[event.pair])]]
            counts = list(counts)
            counts[field_] = max(0, counts[field_] + event.units)
            prices = self.unit_prices[self.pair_model[event.pair]].tolist()
            new_cost = sum(c * p for c, p in zip(counts, prices, strict=True))
            touched[r] = (counts, new_cost)
            deltas.append(new_cost - cost)
        return touched, deltas

    # ---- non-model spend -------------------------------------------------------------------

    def other_spend_micros(self, day: date) -> int:
        """DevPod/GPU/storage spend of a whole day (draws the balance; not in /model-costs)."""
        base = self.config.other_spend_usd_per_day
        if base <= 0 or day < self.config.first_day:
            return 0
        rng = np.random.default_rng([self.config.seed, 0x07E, self.day_number(day)])
        factor = float(rng.lognormal(0.0, 0.2)) * (1.0 if day.weekday() < 5 else 0.7)
        return math.floor(int(base * 1_000_000) * factor)


def empty_day() -> DayRows:
    return DayRows(
        np.zeros(0, dtype=np.int32),
        np.zeros((0, len(COUNT_FIELDS)), dtype=np.int64),
        np.zeros(0, dtype=np.int64),
    )
