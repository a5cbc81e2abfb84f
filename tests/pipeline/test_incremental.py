"""Runs after the first: nothing new changes nothing, restated days are replaced whole, new days
arrive, and each run reads only the lookback and what came after it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import dlt
import duckdb
import pytest
from pipeline_support import (
    DAILY_TABLES,
    NOW,
    Served,
    account,
    ledger_costs,
    loaded_costs,
    query,
    snapshot,
    table_rows,
)

from sources.atlas_billing.errors import ConfigurationError

TODAY = NOW.date()


def test_a_second_run_with_nothing_new_changes_nothing_but_adds_a_balance_snapshot(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=200)))
    served.load()
    before = snapshot(served.db)
    served.sim.clock.advance(timedelta(minutes=1))  # within the same hour: nothing new to count

    summary = served.load()

    after = snapshot(served.db)
    for table in DAILY_TABLES:
        assert after[table] == before[table], table
    assert len(before["balance_snapshots"]) == 1
    assert len(after["balance_snapshots"]) == 2
    # the second run read only the lookback: the last 3 closed days, then today
    assert summary.days["model_costs"] == f"{TODAY - timedelta(days=3)}..{TODAY}"


def test_a_rerun_within_the_same_server_second_keeps_one_snapshot(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=10)))
    served.load()
    served.load()

    assert len(table_rows(served.db, "balance_snapshots")) == 1


def staged_tables(served: Served) -> set[str]:
    return {
        name
        for (name,) in query(
            served.db,
            "select table_name from information_schema.tables"
            " where table_schema = 'atlas_billing_staging'",
        )
    }


def test_a_first_load_appends_its_days_and_later_loads_replace_the_days_they_read(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=30)))
    served.load()
    # no row of those days was there: rows went straight into the tables, without staging
    assert not {"model_costs", "model_usage"} & staged_tables(served)

    served.sim.clock.advance(timedelta(days=1))
    served.load()

    assert {"model_costs", "model_usage"} <= staged_tables(served)
    first_day = served.sim.config.first_day
    assert loaded_costs(served.db) == ledger_costs(served.sim, first_day, TODAY + timedelta(2))


def test_later_loads_replace_their_days_under_a_dataset_name_dlt_normalizes(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=10)))
    served.load(dataset_name="AtlasBilling")
    served.sim.clock.advance(timedelta(days=1))
    served.load(dataset_name="AtlasBilling")

    schemas = {name for (name,) in query(served.db, "select schema_name from duckdb_schemas()")}
    loaded = query(served.db, "select count(*) from atlas_billing.model_costs")[0][0]
    expected = ledger_costs(served.sim, served.sim.config.first_day, TODAY + timedelta(2))
    assert "atlas_billing" in schemas and loaded == len(expected)


def test_a_first_load_into_days_the_warehouse_already_holds_replaces_them(
    serve: Callable[..., Served],
) -> None:
    # rows without the state that records them: what a run killed between appending them and
    # committing its load leaves behind
    served = serve(account(first_day=TODAY - timedelta(days=20)))
    served.load()
    clean = snapshot(served.db)
    with duckdb.connect(str(served.db)) as con:
        con.execute("delete from atlas_billing._dlt_pipeline_state")
    shutil.rmtree(served.pipelines_dir)

    served.load()

    after = snapshot(served.db)
    for table in DAILY_TABLES:
        assert after[table] == clean[table], table


def test_a_restated_day_inside_the_lookback_is_replaced_whole(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=30), restatements=False))
    served.load()
    day = TODAY - timedelta(days=2)
    # the Playground's row (null key) first, so the row that vanishes has a null in its key
    rows_of_day = sorted(
        ((model, key) for (d, model, key) in loaded_costs(served.db) if d == day),
        key=lambda row: (row[1] is not None, repr(row)),
    )
    assert len(rows_of_day) >= 2 and rows_of_day[0][1] is None
    vanished, refunded = rows_of_day[0], rows_of_day[-1]
    served.sim.restate(day, vanished[1], vanished[0], remove=True)
    served.sim.restate(day, refunded[1], refunded[0], refund_units=1)

    served.load()

    loaded = loaded_costs(served.db)
    assert (day, *vanished) not in loaded
    assert loaded == ledger_costs(served.sim, served.sim.config.first_day, TODAY + timedelta(1))
    totals = dict(query(served.db, "select date, amount_usd from atlas_billing.daily_cost_totals"))
    assert totals[day] == served.sim.ledger.daily_cost_totals(day, day + timedelta(1))[day]
    usage_keys = {
        (m, k)
        for m, k in query(
            served.db,
            f"select model, api_key_id from atlas_billing.model_usage where date = '{day}'",
        )
    }
    assert vanished not in usage_keys


def test_a_day_whose_every_row_vanished_is_emptied(serve: Callable[..., Served]) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=10), restatements=False))
    served.load()
    day = TODAY - timedelta(days=1)
    for d, model, key in list(loaded_costs(served.db)):
        if d == day:
            served.sim.restate(day, key, model, remove=True)

    served.load()

    assert [d for d, _, _ in loaded_costs(served.db) if d == day] == []
    (usage_rows,) = query(
        served.db, f"select count(*) from atlas_billing.model_usage where date = '{day}'"
    )[0]
    assert usage_rows == 0
    totals = dict(query(served.db, "select date, amount_usd from atlas_billing.daily_cost_totals"))
    assert totals[day] == 0


def test_new_days_arrive_and_the_partial_day_is_completed(serve: Callable[..., Served]) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=20), restatements=False))
    served.load()
    served.sim.clock.advance(timedelta(days=2, hours=3))
    later = served.sim.clock.now().date()

    served.load()

    expected = ledger_costs(served.sim, served.sim.config.first_day, later + timedelta(1))
    assert loaded_costs(served.db) == expected
    partial = query(
        served.db, "select date from atlas_billing.daily_cost_totals where partial order by date"
    )
    assert partial == [(later,)]


def test_scheduled_restatements_are_caught_by_daily_runs(serve: Callable[..., Served]) -> None:
    # refunds and late charges land up to three days after a day closes; daily runs with the
    # default lookback see every one of them
    served = serve(account(first_day=TODAY - timedelta(days=30)))
    served.load()
    for _ in range(6):
        served.sim.clock.advance(timedelta(days=1))
        served.load()

    now = served.sim.clock.now().date()
    expected = ledger_costs(served.sim, served.sim.config.first_day, now + timedelta(1))
    assert loaded_costs(served.db) == expected


def test_a_full_refresh_reloads_the_daily_tables_and_keeps_balance_history(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=40)))
    served.load()
    clean = snapshot(served.db)
    served.sim.clock.advance(timedelta(minutes=1))

    summary = served.load(full_refresh=True)

    assert summary.days["model_costs"] == f"{served.sim.config.first_day}..{TODAY}"
    after = snapshot(served.db)
    for table in DAILY_TABLES:
        assert after[table] == clean[table], table
    assert len(table_rows(served.db, "balance_snapshots")) == 2


def test_a_run_with_another_grain_or_scope_is_refused_until_a_full_refresh(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=10)))
    served.load()

    with pytest.raises(ConfigurationError) as raised:
        served.load(grain="model")
    assert "model_costs was loaded with other settings (grain 'model,api_key' -> 'model')" in str(
        raised.value
    )
    with pytest.raises(ConfigurationError, match="scope 'account' -> 'self'"):
        served.load(scope="self")

    served.load(grain="model", full_refresh=True)
    grains = query(served.db, "select distinct grain from atlas_billing.model_costs")
    assert grains == [("model",)]


def test_a_table_loaded_by_the_version_that_stored_row_key_asks_for_a_full_refresh(
    serve: Callable[..., Served],
) -> None:
    """Earlier versions loaded `row_key` into model_costs and model_usage (NOT NULL); rows
    without it cannot go into such a table, so the run stops with the way out."""
    served = serve(account(first_day=TODAY - timedelta(days=10)))
    served.load()
    earlier = {"scope": "account", "filters": "none", "grain": "model,api_key"}

    @dlt.source(name="atlas_billing")
    def as_the_earlier_version_left_it() -> Any:
        @dlt.resource(name="model_costs")
        def model_costs() -> Iterator[Any]:
            dlt.current.resource_state()["loaded_as"] = earlier
            yield from ()

        return model_costs

    dlt.pipeline(
        pipeline_name="atlas_billing",
        destination=dlt.destinations.duckdb(credentials=str(served.db)),
        dataset_name="atlas_billing",
        pipelines_dir=str(served.pipelines_dir),
    ).run(as_the_earlier_version_left_it())

    with pytest.raises(ConfigurationError) as raised:
        served.load()
    assert "model_costs was loaded by an earlier version of this source" in str(raised.value)
    assert "full refresh (atlas-billing run --full-refresh)" in str(raised.value)

    served.load(full_refresh=True)
    first_day = TODAY - timedelta(days=10)
    assert loaded_costs(served.db) == ledger_costs(served.sim, first_day, TODAY + timedelta(1))


def test_a_start_date_moved_before_the_first_load_asks_for_a_full_refresh(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=30)))
    first = TODAY - timedelta(days=10)
    served.load(start_date=first.isoformat())
    earlier = (first - timedelta(days=5)).isoformat()

    # later runs go on from the last closed day: the five days before would never be read
    with pytest.raises(ConfigurationError) as raised:
        served.load(start_date=earlier)
    assert f"start_date {earlier} is before {first}, where the first load began" in str(
        raised.value
    )
    assert "--full-refresh" in str(raised.value)

    # the same day, or a later one, goes on as before
    served.load(start_date=first.isoformat())
    served.load(start_date=(first + timedelta(days=3)).isoformat())

    served.load(start_date=earlier, full_refresh=True)
    days = query(served.db, "select min(date) from atlas_billing.model_costs")
    assert days == [(first - timedelta(days=5),)]
    assert loaded_costs(served.db) == ledger_costs(
        served.sim, first - timedelta(days=5), TODAY + timedelta(days=1)
    )
