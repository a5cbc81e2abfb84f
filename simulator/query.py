"""What a /model-usage or /model-costs query selects and how it groups, applied to one day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.account import COUNT_FIELDS, FIELDS_BY_TYPE, MODEL_TYPES, Account, DayRows

# The supported group_by[] sets, as sorted tuples.
GROUPINGS: frozenset[tuple[str, ...]] = frozenset(
    {(), ("model_type",), ("model",), ("api_key",), ("api_key", "model")}
)
GROUP_KEYS = ("model_type", "model", "api_key")

# Usage counts a result reports, by the set of model types that contributed to it (a bit mask).
FIELDS_BY_TYPE_MASK: dict[int, tuple[int, ...]] = {
    mask: tuple(
        sorted({f for i, t in enumerate(MODEL_TYPES) if mask >> i & 1 for f in FIELDS_BY_TYPE[t]})
    )
    for mask in range(1 << len(MODEL_TYPES))
}


@dataclass(frozen=True)
class UsageQuery:
    """Filters and grouping of a query, normalised (arrays sorted, duplicates dropped)."""

    group_by: tuple[str, ...] = ()
    scope: str = "account"
    # For scope=self: whose usage. "owner" owns the admin's keys and the Playground; "member"
    # only its own keys.
    user: str = "owner"
    model_types: tuple[str, ...] | None = None
    model_ids: tuple[str, ...] | None = None
    api_key_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DayResult:
    """A day's result rows in API order: group key columns (None when not grouped on), usage
    counts, cost, and which model types contributed to each row."""

    model_type: npt.NDArray[np.int32] | None
    model: npt.NDArray[np.int32] | None
    key_slot: npt.NDArray[np.int32] | None
    counts: npt.NDArray[np.int64]
    cost_micros: npt.NDArray[np.int64]
    type_mask: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.cost_micros)


def pair_mask(account: Account, query: UsageQuery) -> npt.NDArray[np.bool_]:
    """Which (key, model) pairs the query's scope and filters select."""
    slots = account.pair_key_slot
    mask = np.ones(len(slots), dtype=bool)
    if query.scope == "self":
        playground = slots == account.playground_slot
        member = np.append(account.key_is_member, False)[slots]
        mask &= member if query.user == "member" else (~member | playground)
        if query.user == "member":
            mask &= ~playground
    if query.model_types is not None:
        wanted = [i for i, t in enumerate(MODEL_TYPES) if t in query.model_types]
        mask &= np.isin(account.pair_type, wanted)
    if query.model_ids is not None:
        wanted = [account.model_index[m] for m in query.model_ids if m in account.model_index]
        mask &= np.isin(account.pair_model, wanted)
    if query.api_key_ids is not None:
        wanted = [account.key_index[k] for k in query.api_key_ids if k in account.key_index]
        mask &= np.isin(slots, wanted)
    return mask


def aggregate(
    account: Account, rows: DayRows, query: UsageQuery, mask: npt.NDArray[np.bool_]
) -> DayResult:
    """Group a day's rows as the query asks, sorted as the API lists them (null key last)."""
    selected = np.flatnonzero(mask[rows.pair])
    pair = rows.pair[selected]
    counts = rows.counts[selected]
    cost = rows.cost_micros[selected]
    types = account.pair_type[pair]
    type_bits = np.left_shift(np.int64(1), types.astype(np.int64))
    grouping = query.group_by
    if grouping == ("api_key", "model"):
        # Pairs are numbered in (model, key) order, and a day has one row per pair.
        return DayResult(
            None, account.pair_model[pair], account.pair_key_slot[pair], counts, cost, type_bits
        )
    if grouping == ():
        group = np.zeros(len(pair), dtype=np.int64)
    elif grouping == ("model_type",):
        group = types.astype(np.int64)
    elif grouping == ("model",):
        group = account.pair_model[pair].astype(np.int64)
    else:
        group = account.pair_key_slot[pair].astype(np.int64)
    if len(group) == 0:
        ids = np.zeros(0, dtype=np.int32)
        return DayResult(
            ids if grouping == ("model_type",) else None,
            ids if grouping == ("model",) else None,
            ids if grouping == ("api_key",) else None,
            np.zeros((0, len(COUNT_FIELDS)), dtype=np.int64),
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.int64),
        )
    order = np.argsort(group, kind="stable")
    group_sorted = group[order]
    starts = np.flatnonzero(np.r_[True, group_sorted[1:] != group_sorted[:-1]])
    keys = group_sorted[starts].astype(np.int32)
    summed_counts = np.add.reduceat(counts[order], starts, axis=0)
    summed_cost = np.add.reduceat(cost[order], starts)
    mask_bits = np.bitwise_or.reduceat(type_bits[order], starts)
    return DayResult(
        keys if grouping == ("model_type",) else None,
        keys if grouping == ("model",) else None,
        keys if grouping == ("api_key",) else None,
        summed_counts,
        summed_cost,
        mask_bits,
    )
