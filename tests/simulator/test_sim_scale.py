"""The issue's scale target, 1,000 keys x 200 models x 3 years, is servable: pages are generated
lazily (one day at a time), so any page of any window comes back at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sim_support import NOW

from simulator import AccountConfig, Simulator

LARGE = AccountConfig(
    seed=11,
    n_keys=1000,
    n_models=200,
    first_day=(NOW - timedelta(days=3 * 365)).date(),
    models_per_key=10.0,
)


def test_a_large_account_serves_full_pages_from_any_window(serve: Any) -> None:
    client = serve(LARGE)
    for start in (LARGE.first_day + timedelta(days=10), NOW.date() - timedelta(days=5)):
        params = {
            "start_date": str(start),
            "end_date": str(start + timedelta(days=180)),
            "scope": "account",
            "group_by[]": ["model", "api_key"],
            "limit": 1000,
        }
        first = client.get("model-costs", params).json()
        assert sum(len(b["results"]) for b in first["data"]) == 1000
        assert len(first["data"]) == 1, "a day of this account holds more than 1000 rows"
        second = client.get("model-costs", {**params, "page": first["next_page"]}).json()
        assert second["data"][0]["date"] == first["data"][0]["date"]
        seen = {(r["model"], r["api_key_id"]) for r in first["data"][0]["results"]}
        again = {(r["model"], r["api_key_id"]) for r in second["data"][0]["results"]}
        assert again and not seen & again, "the day continues where the first page stopped"
    assert len(client.sim.account.key_ids) == 1000
    assert len(client.sim.account.models) == 200


@pytest.mark.slow
def test_a_large_accounts_balance_follows_three_years_of_ledger() -> None:
    sim = Simulator(LARGE, now=NOW)
    balance = sim.ledger.balance()
    lots = sim.ledger.credit_lots()
    granted = sum(lot["amount_usd"] for lot in lots)
    expired = sum(lot["expired_usd"] for lot in lots)
    spent = sum(sim.ledger.daily_cost_totals(LARGE.first_day, NOW.date() + timedelta(1)).values())
    held = balance["cash"] + balance["bonus"] + balance["subscription_bonus"]
    assert held == granted - expired - spent
    assert spent > Decimal(1_000_000)
