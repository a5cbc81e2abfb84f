"""The marts, built by a real `dbt build` over data the source loaded from the simulator, agree
with the simulator's ground-truth ledger: spend to the micro-dollar, a reconciliation with nothing
unexplained when the account only spends on models, and credit lots holding exactly what the
ledger says they hold.

With this seed a promotion expires, half used, during the fifteen daily runs (its expiry shows
up in the reconciliation) and another is close to expiring at the start of them.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import duckdb
import pytest
from dbt_support import NOW, LoadedAccount, load_daily, rows, utc

from simulator import AccountConfig
from sources.atlas_billing.errors import AtlasBillingError

RUNS = 15
CONFIG = AccountConfig(
    seed=5,
    n_keys=3,
    n_models=5,
    first_day=NOW.date() - timedelta(days=370),
    restatements=False,  # restated days: test_reconciliation_under_restatements.py
    other_spend_usd_per_day=Decimal("0"),
)


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedAccount]:
    loaded = load_daily(CONFIG, tmp_path_factory.mktemp("marts"), runs=RUNS)
    loaded.copy_db("without_ledger.duckdb")  # before the ledger: for the inference test
    loaded.load_ledger()
    summary = loaded.build()
    assert summary.models > 0 and summary.tests > 100
    yield loaded


def test_spend_per_day_key_and_model_matches_the_ledger_to_the_micro_dollar(
    account: LoadedAccount,
) -> None:
    sim = account.sim
    end = NOW.date() + timedelta(days=1)
    expected = {
        (r["date"], r["api_key_id"], r["model"]): r["amount_usd"]
        for r in sim.ledger.model_costs(CONFIG.first_day, end, group_by=("model", "api_key"))
    }
    built = {
        (d, key, model): cost
        for d, key, model, cost in rows(
            account.db,
            "select date, api_key_id, model, cost_usd from {models}.atlas_billing__spend_daily",
        )
    }
    assert built == expected
    assert any(key is None for _, key, _ in built), "Playground usage (no key) should be there"

    by_key = rows(
        account.db,
        "select api_key_id, sum(cost_usd) from {models}.atlas_billing__spend_daily group by 1",
    )
    expected_by_key: dict[str | None, Decimal] = {}
    for r in sim.ledger.model_costs(CONFIG.first_day, end, group_by=("api_key",)):
        expected_by_key[r["api_key_id"]] = expected_by_key.get(r["api_key_id"], 0) + r["amount_usd"]
    assert dict(by_key) == expected_by_key


def test_usage_counts_and_model_types_come_through(account: LoadedAccount) -> None:
    sim = account.sim
    end = NOW.date() + timedelta(days=1)
    expected = {
        (r["date"], r["api_key_id"], r["model"]): (
            r.get("requests"),
            r.get("input_tokens"),
            r.get("output_tokens"),
            r.get("images"),
            r.get("videos"),
        )
        for r in sim.ledger.model_usage(CONFIG.first_day, end, group_by=("model", "api_key"))
    }
    built = rows(
        account.db,
        "select date, api_key_id, model, requests, input_tokens, output_tokens, images, videos,"
        " model_type from {models}.atlas_billing__spend_daily",
    )
    assert {(r[0], r[1], r[2]): tuple(r[3:8]) for r in built} == expected
    types = {model.name: model.model_type for model in sim.account.models}
    assert {r[2]: r[8] for r in built} == {m: types[m] for m in {r[2] for r in built}}


def test_only_days_outside_the_restatement_window_are_final(account: LoadedAccount) -> None:
    not_final = rows(
        account.db,
        "select distinct date, is_partial from {models}.atlas_billing__spend_daily"
        " where not is_final order by date",
    )
    today = NOW.date()
    assert not_final == [
        (today - timedelta(days=3), False),
        (today - timedelta(days=2), False),
        (today - timedelta(days=1), False),
        (today, True),
    ]


def test_balance_history_is_the_ledger_balance_at_each_snapshot(account: LoadedAccount) -> None:
    history = rows(
        account.db,
        "select snapshot_at, available_usd, cash_usd, bonus_usd, would_auto_top_up,"
        " credit_balance_change_usd from {models}.atlas_billing__balance_history"
        " order by snapshot_at",
    )
    assert [utc(r[0]) for r in history] == account.snapshot_times
    previous = None
    for snapshot_at, available, cash, bonus, auto, change in history:
        truth = account.sim.ledger.balance(at=utc(snapshot_at))
        assert (available, cash, bonus) == (truth["available"], truth["cash"], truth["bonus"])
        assert auto == (truth["available"] < Decimal(10))
        total = truth["cash"] + truth["bonus"] + truth["subscription_bonus"]
        assert change == (None if previous is None else total - previous)
        previous = total


def test_reconciliation_leaves_nothing_unexplained_when_only_models_spend(
    account: LoadedAccount,
) -> None:
    sim = account.sim
    intervals = rows(
        account.db,
        "select period_start, period_end, top_ups_usd, expired_credits_usd, model_spend_usd,"
        " other_spend_usd, status from {models}.atlas_billing__balance_reconciliation"
        " order by period_start",
    )
    assert len(intervals) == RUNS - 1
    lots = sim.ledger.credit_lots(at=NOW)
    for start, end, top_ups, expired, model_spend, other, status in intervals:
        start, end = utc(start), utc(end)
        assert (other, status) == (Decimal(0), "reconciled"), (start, end)
        assert top_ups == sum(
            (lot["amount_usd"] for lot in lots if start < lot["purchased_at"] <= end), Decimal(0)
        )
        assert expired == sum(
            (lot["expired_usd"] for lot in lots if start < lot["expires_at"] <= end), Decimal(0)
        )
        assert model_spend == _model_spend_between(account, start, end)
    assert any(row[3] > 0 for row in intervals), "a lot should expire during the runs"
    assert any(row[2] > 0 for row in intervals), "the account should top up during the runs"


def _model_spend_between(account: LoadedAccount, start: datetime, end: datetime) -> Decimal:
    """What the ledger charged for models between two snapshots (the balance says so too)."""
    sim = account.sim
    before, after = sim.ledger.balance(at=start), sim.ledger.balance(at=end)
    lots = sim.ledger.credit_lots(at=end)
    granted = sum((x["amount_usd"] for x in lots if start < x["purchased_at"] <= end), Decimal(0))
    expired = sum((x["expired_usd"] for x in lots if start < x["expires_at"] <= end), Decimal(0))
    held = ("cash", "bonus", "subscription_bonus")
    return sum((before[c] - after[c] for c in held), Decimal(0)) + granted - expired


def test_every_lot_holds_what_the_ledger_says_at_every_snapshot(account: LoadedAccount) -> None:
    built: dict[datetime, dict[str, Decimal]] = {}
    for snapshot_at, lot_id, remaining in rows(
        account.db,
        "select snapshot_at, lot_id, remaining_usd"
        " from {models}.int_atlas_billing__credit_lot_balances",
    ):
        built.setdefault(utc(snapshot_at), {})[lot_id] = remaining
    partly_used = 0
    for when in account.snapshot_times:
        truth = {
            lot["lot_id"]: lot["remaining_usd"]
            for lot in account.sim.ledger.credit_lots(at=when)
            if lot["remaining_usd"] > 0
        }
        holding = {lot_id: r for lot_id, r in built.get(when, {}).items() if r > 0}
        assert holding == truth, when
        partly_used += sum(
            1
            for lot in account.sim.ledger.credit_lots(at=when)
            if 0 < lot["remaining_usd"] < lot["amount_usd"]
        )
    assert partly_used > 0, "some lot should be partly used, or the allocation is not tested"


@pytest.mark.parametrize("run", [3, RUNS - 1], ids=["a_promotion_expiring_soon", "last_run"])
def test_credit_expiry_as_of_a_date_matches_the_ledger(account: LoadedAccount, run: int) -> None:
    as_of = account.snapshot_times[run]
    db = account.db
    if as_of != account.snapshot_times[-1]:
        db = account.copy_db(f"as_of_{run}.duckdb")
        account.build(
            db,
            select=["atlas_billing__credit_expiry"],
            vars={"atlas_billing_as_of": as_of.strftime("%Y-%m-%d %H:%M:%S")},
        )
    built = {
        r[0]: r[1:]
        for r in rows(
            db,
            "select lot_id, remaining_usd, is_expiring_soon, days_to_expiry, is_expired"
            " from {models}.atlas_billing__credit_expiry",
        )
    }
    truth = account.sim.ledger.credit_lots(at=as_of)
    assert set(built) == {lot["lot_id"] for lot in truth}
    soon = as_of + timedelta(days=30)
    for lot in truth:
        remaining, expiring_soon, days_left, expired = built[lot["lot_id"]]
        assert remaining == lot["remaining_usd"], lot
        assert expired == (lot["expires_at"] <= as_of)
        assert expiring_soon == (lot["remaining_usd"] > 0 and as_of < lot["expires_at"] <= soon)
        assert days_left == (lot["expires_at"].date() - as_of.date()).days
    if run == 3:
        assert any(values[1] for values in built.values()), "a promotion should expire soon"


def test_without_a_ledger_top_ups_are_inferred_and_the_unexplained_balance_flagged(
    account: LoadedAccount,
) -> None:
    db = account.root / "without_ledger.duckdb"
    summary = account.build(db)
    assert summary.warnings >= 1  # the lots cannot explain the balance of the first snapshot

    inferred = rows(
        db,
        "select purchased_at, sum(amount_usd) from {models}.int_atlas_billing__credit_lots"
        " where lot_source = 'inferred' group by purchased_at order by purchased_at",
    )
    assert inferred, "top-ups after the first snapshot should be inferred"
    lots = account.sim.ledger.credit_lots(at=NOW)
    times = account.snapshot_times
    for start, end in itertools.pairwise(times):
        granted = sum(
            (x["amount_usd"] for x in lots if start < x["purchased_at"] <= end), Decimal(0)
        )
        expired = any(start < x["expires_at"] <= end for x in lots)
        found = dict((utc(t), amount) for t, amount in inferred).get(end, Decimal(0))
        if not expired:  # an expiry in the same interval hides part of a top-up
            assert found == granted, (start, end)

    unexplained = rows(
        db,
        "select snapshot_at, unexplained_by_credit_lots_usd"
        " from {models}.atlas_billing__balance_history order by snapshot_at",
    )
    first_balance = account.sim.ledger.balance(at=times[0])
    assert unexplained[0][1] == first_balance["cash"] + first_balance["bonus"]


def test_inferred_lots_expire_after_the_days_of_their_kind(account: LoadedAccount) -> None:
    db = account.root / "expiry_by_kind.duckdb"
    shutil.copyfile(account.root / "without_ledger.duckdb", db)  # every lot inferred
    days = {"purchase": 400, "bonus": 60, "subscription": 30}
    account.build(db, vars={"atlas_billing_credit_expiry_days": days})

    lots = rows(
        db,
        "select kind, purchased_at, expires_at from {models}.int_atlas_billing__credit_lots"
        " where lot_source = 'inferred'",
    )
    assert "purchase" in {kind for kind, _, _ in lots}  # its top-ups; every kind: the unit tests
    for kind, purchased_at, expires_at in lots:
        assert expires_at - purchased_at == timedelta(days=days[kind]), kind


@pytest.mark.parametrize(
    ("days", "problem"),
    [
        (
            {"promo": 90},
            "var atlas_billing_credit_expiry_days: unknown credit kind(s) promo; the kinds are"
            " purchase, bonus, referral, promotion, subscription",
        ),
        (
            {"promotion": 0},
            "var atlas_billing_credit_expiry_days.promotion must be a whole number of days,"
            " at least 1; got 0",
        ),
        (
            {"promotion": 1.5},
            "var atlas_billing_credit_expiry_days.promotion must be a whole number of days,"
            " at least 1; got 1.5",
        ),
        ([90], "var atlas_billing_credit_expiry_days must map credit kinds to days"),
    ],
    ids=["unknown_kind", "zero_days", "fractional_days", "not_a_mapping"],
)
def test_credit_expiry_days_that_are_not_days_of_a_kind_fail_the_build_naming_the_var(
    account: LoadedAccount, days: object, problem: str
) -> None:
    with pytest.raises(AtlasBillingError, match=re.escape(problem)):
        account.build(
            account.copy_db("bad_expiry_days.duckdb"),
            select=["int_atlas_billing__credit_lots"],
            vars={"atlas_billing_credit_expiry_days": days},
        )


def test_amounts_in_another_currency_fail_the_build_naming_the_tables(
    account: LoadedAccount,
) -> None:
    # the amounts are loaded as the API sends them; the marts sum them as dollars
    db = account.copy_db("in_euros.duckdb")
    tables = ("model_costs", "daily_cost_totals", "balance_snapshots")
    with duckdb.connect(str(db)) as con:
        for table in tables:
            con.execute(
                f"update atlas_billing.{table} set currency = 'eur'"
                f" where rowid = (select min(rowid) from atlas_billing.{table})"
            )

    with pytest.raises(AtlasBillingError) as raised:
        account.build(db, select=[f"stg_atlas_billing__{table}" for table in tables])

    for table in tables:
        assert f"accepted_values_stg_atlas_billing__{table}_currency__usd failed" in str(
            raised.value
        )


def test_a_balance_below_a_minimum_before_any_burn_rate_passes_the_runway_tests(
    account: LoadedAccount,
) -> None:
    # $3: below the storage minimum ($5, runway 0), above the model API's ($0.50), and the first
    # snapshot has no burn rate yet (runway to the model API minimum unknown, null)
    db = account.copy_db("low_balance.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update atlas_billing.balance_snapshots set available_usd = 3"
            " where snapshot_at = (select min(snapshot_at) from atlas_billing.balance_snapshots)"
        )

    account.build(db, select=["+atlas_billing__balance_history"])

    first = rows(
        db,
        "select runway_days_to_model_api_minimum, runway_days_to_storage_minimum"
        " from {models}.atlas_billing__balance_history order by snapshot_at limit 1",
    )
    assert first == [(None, 0)]
