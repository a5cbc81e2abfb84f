"""Closed days restated after they close (refunds of failed generations, late video charges) move
the balance when the restatement takes effect. Because every balance snapshot records the recent
days' costs as they stood at that moment, the reconciliation counts each restatement in the
interval it was charged in: nothing is left unexplained when only models spend, and exactly the
injected amount when the account also spends elsewhere."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest
from dbt_support import NOW, LoadedAccount, load_daily_with_ledger, rows, utc

from simulator import AccountConfig

RUNS = 7
CONFIG = AccountConfig(
    seed=11,
    n_keys=3,
    n_models=6,  # image and video models among them: the ones restated
    first_day=NOW.date() - timedelta(days=60),
    restatements=True,
    other_spend_usd_per_day=Decimal("0"),
)
WITH_OTHER_SPEND = replace(CONFIG, other_spend_usd_per_day=Decimal("1.75"))


def _load(config: AccountConfig, tmp_path_factory: pytest.TempPathFactory) -> LoadedAccount:
    return load_daily_with_ledger(config, tmp_path_factory.mktemp("restated"), runs=RUNS)


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedAccount]:
    yield _load(CONFIG, tmp_path_factory)


@pytest.fixture(scope="module")
def account_with_other_spend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedAccount]:
    yield _load(WITH_OTHER_SPEND, tmp_path_factory)


def _days_through(end: datetime) -> list[date]:
    return [
        CONFIG.first_day + timedelta(days=n)
        for n in range((end.date() - CONFIG.first_day).days + 1)
    ]


def _restatements_between(account: LoadedAccount, start: datetime, end: datetime) -> int:
    """How many restatements of closed days took effect in (start, end] (ground truth)."""
    book = account.sim.book
    return sum(
        1
        for day in _days_through(end)
        for event in book.restatements(day)
        if start < event.effective_at <= end
    )


Interval = tuple[datetime, datetime, Decimal, Decimal, str, str]


def _intervals(account: LoadedAccount) -> list[Interval]:
    """(start, end, model spend, other spend, status, model spend basis) of each interval."""
    return [
        (utc(start), utc(end), model_spend, other, status, basis)
        for start, end, model_spend, other, status, basis in rows(
            account.db,
            "select period_start, period_end, model_spend_usd, other_spend_usd, status,"
            " model_spend_basis from {models}.atlas_billing__balance_reconciliation"
            " order by period_start",
        )
    ]


def _model_spend_charged(account: LoadedAccount, start: datetime, end: datetime) -> Decimal:
    """What the balance was charged for models in (start, end]: every day's cost as reported at
    `end` minus as reported at `start` (ground truth)."""
    book = account.sim.book
    micros = sum(
        book.cost_as_of(day, end) - book.cost_as_of(day, start) for day in _days_through(end)
    )
    return Decimal(micros).scaleb(-6)


def test_restatements_happen_between_the_snapshots(account: LoadedAccount) -> None:
    times = account.snapshot_times
    restated = [_restatements_between(account, a, b) for a, b in itertools.pairwise(times)]
    assert sum(1 for n in restated if n > 0) >= 2, restated


def test_nothing_is_unexplained_when_only_models_spend_even_with_restatements(
    account: LoadedAccount,
) -> None:
    intervals = _intervals(account)
    assert len(intervals) == RUNS - 1
    for start, end, model_spend, other, status, basis in intervals:
        assert basis == "cost_observations"
        assert (other, status) == (Decimal(0), "reconciled"), (start, end)
        assert model_spend == _model_spend_charged(account, start, end), (start, end)


def test_other_spend_is_exactly_the_injected_amount_even_with_restatements(
    account_with_other_spend: LoadedAccount,
) -> None:
    account = account_with_other_spend
    intervals = _intervals(account)
    assert len(intervals) == RUNS - 1
    spent = account.other_spend_through
    for start, end, model_spend, other, status, _ in intervals:
        injected = spent[end] - spent[start]
        assert injected > 0
        assert other == injected, (start, end)
        assert model_spend == _model_spend_charged(account, start, end), (start, end)
        assert status == "unexplained_spend_above_tolerance"


def test_the_snapshots_recorded_the_recent_days_as_they_stood(account: LoadedAccount) -> None:
    observed = rows(
        account.db,
        "select snapshot_at, date, amount_usd, partial"
        " from atlas_billing.balance_cost_observations order by snapshot_at, date",
    )
    book = account.sim.book
    lookback_days = 3
    by_snapshot: dict[datetime, list[tuple[date, Decimal, bool]]] = {}
    for snapshot_at, day, amount, partial in observed:
        by_snapshot.setdefault(snapshot_at, []).append((day, amount, partial))
    assert sorted(by_snapshot) == account.snapshot_times
    for snapshot_at, days in by_snapshot.items():
        today = snapshot_at.date()
        assert [d for d, _, _ in days] == [
            today - timedelta(days=n) for n in range(lookback_days + 1, -1, -1)
        ]
        for day, amount, partial in days:
            assert amount == Decimal(book.cost_as_of(day, snapshot_at)).scaleb(-6)
            assert partial == (day == today)


def test_snapshots_loaded_without_observations_fall_back_to_their_partial_days(
    account: LoadedAccount,
) -> None:
    db = account.copy_db("before_observations.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("drop table atlas_billing.balance_cost_observations")
    account.build(db)
    intervals = _intervals(LoadedAccount(sim=account.sim, root=account.root, db=db))
    assert len(intervals) == RUNS - 1
    assert {basis for *_, basis in intervals} == {"partial_days"}
    # without observations, a restatement charged after its day's interval is unexplained
    assert any(other != 0 for _, _, _, other, _, _ in intervals)
