"""The account behind the API: its balance follows the ledger of credit lots and spend, lots are
drawn in the documented order, expire on day 365, bonuses and auto top-ups follow the rules,
and the purchase ledger exports as CSV."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sim_support import FIRST_DAY, NOW, Api, small_config

from simulator import Simulator

RICH = small_config(
    other_spend_usd_per_day=Decimal("3.50"),
    subscription_usd_per_month=Decimal("20"),
    frozen_usd=Decimal("1.25"),
)


def model_spend_over_http(client: Api) -> Decimal:
    """Every day's model cost from the account's first day to today, as /model-costs says now."""
    total = Decimal(0)
    start = FIRST_DAY
    today = client.sim.clock.now().date()
    while start <= today:
        end = min(start + timedelta(days=180), today + timedelta(days=1))
        params = {"start_date": str(start), "end_date": str(end), "scope": "account"}
        total += sum(Decimal(r["amount"]["value"]) for r in client.rows("model-costs", params))
        start = end
    return total


def balance_over_http(client: Api) -> dict[str, Decimal]:
    body = client.get("balance").json()
    return {
        name: Decimal(body[name]["value"])
        for name in ("available", "cash", "bonus", "subscription_bonus", "frozen")
    }


@pytest.mark.parametrize(
    "at",
    [
        NOW,
        datetime(2026, 1, 1, 0, 30, tzinfo=UTC),
        datetime(2026, 2, 14, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 31, 0, 0, tzinfo=UTC),
        datetime(2026, 4, 2, 11, 5, tzinfo=UTC),
    ],
    ids=str,
)
def test_the_balance_is_every_credit_minus_every_spend(serve: Any, at: datetime) -> None:
    client = serve(RICH, now=at)
    ledger = client.sim.ledger
    balance = balance_over_http(client)
    assert balance == ledger.balance()
    assert balance["available"] == (
        balance["cash"] + balance["bonus"] + balance["subscription_bonus"] - balance["frozen"]
    )
    lots = ledger.credit_lots()
    granted = sum(lot["amount_usd"] for lot in lots)
    expired = sum(lot["expired_usd"] for lot in lots)
    other = sum(ledger.daily_other_spend(FIRST_DAY, at.date() + timedelta(days=1)).values())
    model = model_spend_over_http(client)
    assert model == sum(ledger.daily_cost_totals(FIRST_DAY, at.date() + timedelta(days=1)).values())
    held = balance["cash"] + balance["bonus"] + balance["subscription_bonus"]
    assert held == granted - expired - model - other


def test_non_model_spend_draws_the_balance_but_not_model_costs(serve: Any) -> None:
    plain, rich = serve(small_config()), serve(small_config(other_spend_usd_per_day=Decimal(5)))
    assert model_spend_over_http(plain) == model_spend_over_http(rich)
    other = sum(rich.sim.ledger.daily_other_spend(FIRST_DAY, NOW.date()).values())
    assert other > Decimal(500)
    assert rich.sim.ledger.daily_other_spend(NOW.date(), NOW.date() + timedelta(days=1))[
        NOW.date()
    ] < Decimal(5), "today's other spend is partial"


def test_a_snapshot_deducts_exactly_the_partial_day_it_reports(serve: Any) -> None:
    client = serve(now=NOW.replace(hour=9, minute=10))
    params = {
        "start_date": str(NOW.date()),
        "end_date": str(NOW.date() + timedelta(days=1)),
        "scope": "account",
    }
    steps = []
    for _ in range(3):
        cash = balance_over_http(client)["cash"]
        partial = Decimal(client.rows("model-costs", params)[0]["amount"]["value"])
        steps.append((cash, partial))
        client.sim.clock.advance(timedelta(hours=1))
    lots = {lot["lot_id"] for lot in client.sim.ledger.credit_lots()}
    assert len(lots) == len(
        {lot["lot_id"] for lot in client.sim.ledger.credit_lots(NOW.replace(hour=9, minute=10))}
    ), "no top-up in between"
    for (cash1, cost1), (cash2, cost2) in pairwise(steps):
        assert cash1 - cash2 == cost2 - cost1


def test_the_first_top_up_earns_a_20_percent_bonus_and_the_referral_bonus() -> None:
    sim = Simulator(small_config(initial_top_up_usd=Decimal("1000")), now=NOW)
    first = [
        t
        for t in sim.ledger.top_ups(FIRST_DAY, FIRST_DAY + timedelta(days=1))
        if t["trigger"] in ("first", "referred")
    ]
    by_kind = {t["kind"]: t["amount_usd"] for t in first}
    assert by_kind == {"purchase": Decimal(1000), "bonus": Decimal(200), "referral": Decimal(100)}
    small = Simulator(small_config(initial_top_up_usd=Decimal("100")), now=NOW)
    amounts = sorted(
        t["amount_usd"] for t in small.ledger.top_ups(FIRST_DAY, FIRST_DAY + timedelta(days=1))
    )
    assert amounts == [Decimal(20), Decimal(25), Decimal(100)]
    unreferred = Simulator(small_config(referred=False), now=NOW)
    assert "referral" not in {
        t["kind"] for t in unreferred.ledger.top_ups(FIRST_DAY, FIRST_DAY + timedelta(days=1))
    }


def test_bonus_referral_and_promotion_lots_appear_over_time() -> None:
    sim = Simulator(small_config(), now=NOW)
    triggers = {t["trigger"] for t in sim.ledger.top_ups()}
    assert {"first", "referred", "auto", "referrer", "manual"} <= triggers
    referrer = [t for t in sim.ledger.top_ups() if t["trigger"] == "referrer"]
    assert {t["amount_usd"] for t in referrer} == {Decimal(5)}
    long_lived = Simulator(small_config(first_day=FIRST_DAY - timedelta(days=700)), now=NOW)
    promotions = [t for t in long_lived.ledger.top_ups() if t["kind"] == "promotion"]
    assert promotions
    for lot in promotions:
        assert lot["expires_at"] - lot["purchased_at"] == timedelta(days=90)


def test_auto_top_up_buys_at_least_25_when_available_falls_below_10() -> None:
    sim = Simulator(small_config(), now=NOW)
    autos = [t for t in sim.ledger.top_ups() if t["trigger"] == "auto"]
    assert autos
    for lot in autos:
        assert lot["kind"] == "purchase"
        assert lot["amount_usd"] >= 25
        just_before = sim.ledger.balance(lot["purchased_at"] - timedelta(microseconds=1))
        assert just_before["available"] < 10


def test_once_funded_the_available_balance_never_stays_below_10() -> None:
    sim = Simulator(small_config(other_spend_usd_per_day=Decimal(2)), now=NOW)
    first = sim.ledger.top_ups()[0]["purchased_at"]
    span = (NOW - first).total_seconds()
    for i in range(1, 200):
        at = first + timedelta(seconds=span * i / 200)
        assert sim.ledger.balance(at)["available"] >= 10, at


def test_purchases_expire_on_day_365() -> None:
    sim = Simulator(small_config(initial_top_up_usd=Decimal("50000")), now=NOW)
    sim.clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    first = next(t for t in sim.ledger.top_ups() if t["trigger"] == "first")
    expires = first["purchased_at"] + timedelta(days=365)
    assert first["expires_at"] == expires
    assert expires.date() == FIRST_DAY + timedelta(days=365)
    before = sim.ledger.balance(expires - timedelta(microseconds=1))
    after = sim.ledger.balance(expires)
    lots_before = {
        lot["lot_id"]: lot for lot in sim.ledger.credit_lots(expires - timedelta(microseconds=1))
    }
    same_time = [lot for lot in lots_before.values() if lot["expires_at"] == expires]
    assert {lot["kind"] for lot in same_time} == {"purchase", "bonus", "referral"}
    lost = sum(lot["remaining_usd"] for lot in same_time)
    assert lost > 0
    assert (before["cash"] + before["bonus"]) - (after["cash"] + after["bonus"]) == lost
    expired = {e["lot_id"]: e["expired_usd"] for e in sim.ledger.expiries()}
    for lot in same_time:
        assert expired[lot["lot_id"]] == lot["remaining_usd"]
    day_before = sim.ledger.balance(expires - timedelta(days=1))
    assert day_before["cash"] > before["cash"] - 1000, "nothing expired a day early"


def test_credits_are_drawn_subscription_then_cash_then_bonus_oldest_first() -> None:
    config = small_config(
        subscription_usd_per_month=Decimal("15"),
        initial_top_up_usd=Decimal("60"),
        auto_top_up_usd=Decimal("25"),
        restatements=False,
    )
    sim = Simulator(config, now=NOW)
    rank = {"subscription": 0, "purchase": 1, "bonus": 2, "referral": 2, "promotion": 2}
    drawn_kinds = set()
    moments = [
        datetime.combine(FIRST_DAY + timedelta(days=d), datetime.min.time(), tzinfo=UTC)
        for d in range(1, 90)
    ]
    for t1, t2 in pairwise(moments):
        before = {lot["lot_id"]: lot for lot in sim.ledger.credit_lots(t1)}
        after = {lot["lot_id"]: lot for lot in sim.ledger.credit_lots(t2)}
        alive = [
            lot for lot in before.values() if lot["remaining_usd"] > 0 and lot["expires_at"] > t2
        ]
        alive.sort(key=lambda lot: (rank[lot["kind"]], lot["purchased_at"]))
        drawn = [
            i
            for i, lot in enumerate(alive)
            if after[lot["lot_id"]]["remaining_usd"] < lot["remaining_usd"]
        ]
        drawn_kinds |= {alive[i]["kind"] for i in drawn}
        if drawn:
            for earlier in alive[: max(drawn)]:
                assert after[earlier["lot_id"]]["remaining_usd"] == 0, (t1, earlier)
    assert {"subscription", "purchase"} <= drawn_kinds
    assert drawn_kinds & {"bonus", "referral"}


def test_the_purchase_ledger_exports_as_csv(tmp_path: Path) -> None:
    sim = Simulator(small_config(), now=NOW)
    path = sim.ledger.export_purchase_ledger_csv(tmp_path / "ledger.csv")
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["lot_id", "purchased_at", "kind", "amount_usd", "expires_at"]
    lots = sim.ledger.credit_lots()
    assert [r["lot_id"] for r in rows] == [lot["lot_id"] for lot in lots]
    for row, lot in zip(rows, lots, strict=True):
        assert Decimal(row["amount_usd"]) == lot["amount_usd"]
        assert len(row["amount_usd"].split(".")[1]) == 6
        purchased = datetime.fromisoformat(row["purchased_at"].replace("Z", "+00:00"))
        expires = datetime.fromisoformat(row["expires_at"].replace("Z", "+00:00"))
        assert purchased == lot["purchased_at"]
        if row["kind"] == "purchase":
            assert expires - purchased == timedelta(days=365)
