"""Idempotency and restatement: running again changes nothing; what changed at the API since the
last run — a past day restated, a day whose rows all vanished, a top-up whose receipt reaches the
purchase ledger only later — lands exactly on the next run, in the raw tables and the marts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pipeline_support import ledger_costs, loaded_costs, query
from reliability_support import Tally, Workspace, differences, warehouse

from pipelines.transform import marts_schema
from simulator import AccountConfig, Simulator

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
CONFIG = AccountConfig(
    seed=5,
    n_keys=3,
    n_models=5,
    first_day=NOW.date() - timedelta(days=90),
    restatements=False,  # this test restates by hand, where it wants
)
Serve = Callable[..., tuple[Simulator, str]]


def late_top_up(config: AccountConfig) -> dict[str, Any]:
    """A purchase well inside the account's history with no credit expiring near it."""
    sim = Simulator(config, now=NOW)
    expiries = [e["expired_at"] for e in sim.ledger.expiries()]
    candidates = [
        lot
        for lot in sim.ledger.top_ups()
        if lot["kind"] == "purchase"
        and config.first_day + timedelta(days=20) < lot["purchased_at"].date() < NOW.date()
        and not any(abs(e - lot["purchased_at"]) < timedelta(days=2) for e in expiries)
    ]
    assert candidates, "the account should top up during its history"
    return candidates[-1]


def marts_rows(db: Any, sql: str) -> list[tuple[Any, ...]]:
    return query(db, sql.replace("{marts}", marts_schema()))


def test_a_restated_day_a_vanished_day_and_a_late_top_up_land_on_the_next_run(
    serve: Serve, workspace: Workspace, tally: Tally
) -> None:
    top_up = late_top_up(CONFIG)
    t0 = top_up["purchased_at"] - timedelta(hours=6)
    t1 = top_up["purchased_at"] + timedelta(hours=18)
    t2 = t1 + timedelta(hours=1)
    sim, base_url = serve(CONFIG, now=t0)
    key = sim.keys.admin

    def run(*options: str) -> None:
        args = workspace.run_args(base_url, "--start-date", str(CONFIG.first_day), *options)
        outcome = workspace.cli(*args, key=key)
        assert outcome.code == 0, outcome.err[-3000:]

    run("--no-dbt")  # the first run: its marts would be built again by the next
    sim.ledger.export_purchase_ledger_csv(workspace.root / "ledger_t0.csv")
    # a day later: a closed day restated (a refund), another refunded away whole, a top-up made
    sim.clock.set(t1)
    restated, vanished = t0.date() - timedelta(days=1), t0.date() - timedelta(days=2)
    loaded = loaded_costs(workspace.db)
    _, model, api_key = min((k for k in loaded if k[0] == restated), key=repr)
    sim.restate(restated, api_key, model, refund_units=1)
    for _, model, api_key in [k for k in loaded if k[0] == vanished]:
        sim.restate(vanished, api_key, model, remove=True)
    granted = sum(
        (lot["amount_usd"] for lot in sim.ledger.top_ups() if t0 < lot["purchased_at"] <= t1),
        Decimal(0),
    )

    with tally.attempt("restatements", 3, label="restated, vanished, late top-up"):
        run("--credit-ledger", "ledger_t0.csv")  # the purchase ledger lacks the top-up yet

        interval = marts_rows(
            workspace.db,
            "select top_ups_usd, ledger_top_ups_usd, inferred_top_ups_usd, status"
            " from {marts}.atlas_billing__balance_reconciliation order by period_end desc limit 1",
        )
        assert interval == [(granted, Decimal(0), granted, "reconciled")]

        sim.clock.set(t2)
        sim.ledger.export_purchase_ledger_csv(workspace.root / "ledger_t2.csv")
        run("--credit-ledger", "ledger_t2.csv")  # now it has it

        today = t2.date() + timedelta(days=1)
        assert loaded_costs(workspace.db) == ledger_costs(sim, CONFIG.first_day, today)
        assert [k for k in loaded_costs(workspace.db) if k[0] == vanished] == []
        spend = {
            (d, m, k): cost
            for d, k, m, cost in marts_rows(
                workspace.db,
                "select date, api_key_id, model, cost_usd from {marts}.atlas_billing__spend_daily",
            )
        }
        assert spend == ledger_costs(sim, CONFIG.first_day, today)
        intervals = marts_rows(
            workspace.db,
            "select period_end, top_ups_usd, ledger_top_ups_usd, inferred_top_ups_usd, status"
            " from {marts}.atlas_billing__balance_reconciliation order by period_end",
        )
        assert [row[1:] for row in intervals] == [
            (granted, granted, Decimal(0), "reconciled"),
            (Decimal(0), Decimal(0), Decimal(0), "reconciled"),
        ]
        lots = dict(
            marts_rows(
                workspace.db, "select lot_id, lot_source from {marts}.atlas_billing__credit_expiry"
            )
        )
        assert lots[top_up["lot_id"]] == "ledger"
        assert "inferred" not in lots.values()

    # and once more, nothing having changed: nothing changes
    with tally.attempt("identical reruns"):
        landed = warehouse(workspace.db)
        run("--credit-ledger", "ledger_t2.csv")
        assert differences(warehouse(workspace.db), landed) == []
        assert warehouse(workspace.db) == landed


@pytest.mark.slow
@pytest.mark.parametrize("runs", [6])
def test_n_identical_runs_leave_exactly_what_one_run_leaves(
    serve: Serve, workspace: Workspace, tally: Tally, runs: int
) -> None:
    sim, base_url = serve(CONFIG, now=NOW)  # the clock stands still: every run sees the same
    args = workspace.run_args(base_url, "--start-date", str(CONFIG.first_day))

    first = workspace.cli(*args, key=sim.keys.admin)
    assert first.code == 0, first.err[-3000:]
    once = warehouse(workspace.db)
    with tally.attempt("identical reruns", runs - 1):
        for _ in range(runs - 1):
            again = workspace.cli(*args, key=sim.keys.admin)
            assert again.code == 0, again.err[-3000:]

        assert differences(warehouse(workspace.db), once) == []
        assert warehouse(workspace.db) == once
        assert query(workspace.db, "select count(*) from atlas_billing.balance_snapshots") == [(1,)]
