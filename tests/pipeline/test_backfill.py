"""A backfill loads exactly what the account holds: every day, key and model, to the micro-dollar,
whatever the page size, in windows the API accepts."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import dlt
import duckdb
import pytest
from pipeline_support import (
    NOW,
    Served,
    account,
    columns,
    ledger_costs,
    loaded_costs,
    query,
    table_rows,
)

from pipelines.load import PIPELINE_NAME, STEPS
from sources.atlas_billing.errors import AtlasBillingError

TODAY = NOW.date()


def sums_by(rows: dict[tuple[date, str | None, str | None], Decimal], part: int) -> dict:
    totals: dict = defaultdict(Decimal)
    for key, amount in rows.items():
        totals[key[part]] += amount
    return dict(totals)


@pytest.mark.parametrize(
    ("page_size", "config", "days"),
    [
        (1000, account(first_day=TODAY - timedelta(days=420)), 421),
        (7, account(n_keys=2, n_models=4, first_day=TODAY - timedelta(days=200)), 201),
        (1, account(n_keys=1, n_models=2, first_day=TODAY - timedelta(days=40)), 41),
    ],
    ids=["page_size_1000", "page_size_7", "page_size_1"],
)
def test_backfill_matches_the_ledger_per_day_key_and_model(
    serve: Callable[..., Served], page_size: int, config, days: int
) -> None:
    served = serve(config)
    # small windows for the small accounts, so that every backfill spans several
    window_days = 180 if days > 360 else 15
    served.load(source_options={"page_size": page_size, "window_days": window_days})

    first = config.first_day
    expected = ledger_costs(served.sim, first, TODAY + timedelta(days=1))
    loaded = loaded_costs(served.db)
    assert loaded == expected
    for part in (0, 1, 2):  # per day, per model, per API key (None: the Playground)
        assert sums_by(loaded, part) == sums_by(expected, part)
    windows = {
        (dict(r.query)["start_date"], dict(r.query)["end_date"])
        for r in served.sim.requests
        if r.path.endswith("/model-costs") and ("group_by[]", "api_key") in r.query
    }
    assert len(windows) >= 3, "the backfill should span several windows"


def test_usage_counts_and_daily_totals_match_the_ledger(serve: Callable[..., Served]) -> None:
    served = serve()
    served.load()
    first, end = served.sim.config.first_day, TODAY + timedelta(days=1)

    expected_usage = {
        (r["date"], r["model"], r["api_key_id"]): r
        for r in served.sim.ledger.model_usage(first, end, group_by=("model", "api_key"))
    }
    names = ["requests", "input_tokens", "output_tokens", "images", "videos", "audio_seconds"]
    rows = query(
        served.db,
        f"select date, model, api_key_id, {', '.join(names)} from atlas_billing.model_usage",
    )
    loaded_usage = {
        (d, m, k): {n: v for n, v in zip(names, values, strict=True) if v is not None}
        for d, m, k, *values in rows
    }
    assert loaded_usage == {
        key: {n: row[n] for n in names if n in row} for key, row in expected_usage.items()
    }
    totals = dict(query(served.db, "select date, amount_usd from atlas_billing.daily_cost_totals"))
    assert totals == served.sim.ledger.daily_cost_totals(first, end)
    # a total every day, also days without any cost
    assert set(totals) == {first + timedelta(days=n) for n in range((end - first).days)}


def test_loaded_tables_have_the_agreed_columns_and_types(serve: Callable[..., Served]) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=30)))
    served.load()

    types = dict(
        query(
            served.db,
            "select table_name || '.' || column_name, data_type from information_schema.columns"
            " where table_schema = 'atlas_billing'",
        )
    )
    assert types["model_costs.amount_usd"] == "DECIMAL(38,9)"
    assert types["model_costs.date"] == "DATE"
    assert types["model_costs.covered_until"] == "TIMESTAMP WITH TIME ZONE"
    assert types["model_usage.requests"] == "BIGINT"
    assert types["daily_cost_totals.amount_usd"] == "DECIMAL(38,9)"
    assert types["balance_snapshots.available_usd"] == "DECIMAL(38,9)"
    for table, names in {
        "model_costs": [
            "date",
            "grain",
            "scope",
            "model_type",
            "model",
            "api_key_id",
            "partial",
            "covered_until",
            "start_at",
            "end_at",
            "amount_usd",
            "currency",
        ],
        "model_usage": ["requests", "input_tokens", "output_tokens", "images", "videos"],
        "daily_cost_totals": [
            "date",
            "scope",
            "amount_usd",
            "currency",
            "partial",
            "covered_until",
        ],
        "models": ["model", "model_type"],
        "balance_snapshots": [
            "snapshot_at",
            "request_id",
            "account_id",
            "account_name",
            "account_type",
            "currency",
            "available_usd",
            "cash_usd",
            "bonus_usd",
            "subscription_bonus_usd",
            "frozen_usd",
            "credit_grant_status",
            "credit_grant_granted_usd",
            "credit_grant_used_usd",
            "credit_grant_remaining_overdraft_usd",
            "credit_grant_overdrawn_usd",
            "costs_scope",
            "partial_day_date",
            "partial_day_cost_usd",
            "partial_day_covered_until",
        ],
    }.items():
        assert set(names) <= set(columns(served.db, table)), table


def test_playground_rows_keep_a_null_key_without_duplicates(serve: Callable[..., Served]) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=60), playground_share=0.3))
    served.load()

    (nulls,) = query(
        served.db, "select count(*) from atlas_billing.model_costs where api_key_id is null"
    )[0]
    assert nulls > 0
    duplicates = query(
        served.db,
        "select date, model, api_key_id, count(*) from atlas_billing.model_costs"
        " group by all having count(*) > 1",
    )
    assert duplicates == []
    # the row's key is not loaded: dbt's staging models derive it (and test it unique, not null)
    columns = query(
        served.db,
        "select column_name from information_schema.columns"
        " where table_schema = 'atlas_billing' and table_name in ('model_costs', 'model_usage')",
    )
    assert ("row_key",) not in columns


def test_models_table_maps_every_loaded_model_to_its_type(serve: Callable[..., Served]) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=30)))
    served.load()

    mapped = dict(query(served.db, "select model, model_type from atlas_billing.models"))
    (loaded_models,) = zip(
        *query(served.db, "select distinct model from atlas_billing.model_costs"), strict=True
    )
    assert set(loaded_models) <= set(mapped)
    assert mapped == {m: served.sim.model_type_of(m) for m in mapped}
    assert "audio" in mapped.values()  # a type the contract does not list still maps


def test_the_partial_day_is_loaded_as_partial_up_to_the_servers_hour(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=10)))
    served.load()

    rows = query(
        served.db,
        "select distinct date, partial, covered_until from atlas_billing.daily_cost_totals"
        " where partial",
    )
    assert [(d, str(c)) for d, _, c in rows] == [(TODAY, "2026-05-10 15:00:00+00:00")]


def test_requests_use_repeated_array_keys_and_windows_of_at_most_180_days(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=400)))
    served.load()

    lists = [r for r in served.sim.requests if not r.path.endswith("/balance")]
    assert lists and all(r.status == 200 for r in served.sim.requests)
    for request in lists:
        params = dict(request.query)
        days = date.fromisoformat(params["end_date"]) - date.fromisoformat(params["start_date"])
        assert 1 <= days.days <= 180
        assert all("," not in value for _, value in request.query)
    grouped = [r for r in lists if ("group_by[]", "api_key") in r.query]
    assert grouped and all(("group_by[]", "model") in r.query for r in grouped)
    # one request chain per window: consecutive windows, no gap and no overlap
    windows = sorted(
        {
            (dict(r.query)["start_date"], dict(r.query)["end_date"])
            for r in grouped
            if r.path.endswith("/model-costs")
        }
    )
    assert windows[0][0] == served.sim.config.first_day.isoformat()
    assert windows[-1][1] == (TODAY + timedelta(days=1)).isoformat()
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))


def test_cursors_are_passed_back_unchanged_with_identical_parameters(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=20)))
    served.load(source_options={"page_size": 5})

    pages = [r for r in served.sim.requests if any(name == "page" for name, _ in r.query)]
    assert pages, "a page size of 5 should need cursors"
    assert all(r.status == 200 for r in served.sim.requests)
    # the simulator's cursors hold "+" and "/" and it rejects any that comes back altered, or
    # with any other parameter changed (400 invalid_page): every request succeeding proves both
    for request in pages:
        without_page = [(k, v) for k, v in request.query if k != "page"]
        first_pages = [
            r for r in served.sim.requests if r.path == request.path and r.query == without_page
        ]
        assert first_pages, "the page's other parameters match a first request exactly"
    raw = [value for r in pages for name, value in r.query if name == "page"]
    assert any("+" in value or "/" in value for value in raw)


def test_id_filters_over_100_are_batched_and_add_up_without_double_counting(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(n_keys=4, first_day=TODAY - timedelta(days=15)))
    real_keys = list(served.sim.account.key_ids)
    # 250 ids: the account's keys spread among ids of keys that do not exist
    wanted = [f"ak_{n:024x}" for n in range(246)]
    for position, key in zip((0, 99, 100, 249), real_keys, strict=True):
        wanted.insert(position, key)
    summary = served.load(source_options={"api_key_ids": wanted})

    batches = [
        [v for k, v in r.query if k == "api_key_ids[]"]
        for r in served.sim.requests
        if r.path.endswith("/model-costs") and ("group_by[]", "api_key") in r.query
    ]
    assert batches and all(len(batch) <= 100 for batch in batches)
    assert {len(b) for b in batches} == {100, 50}
    first, end = served.sim.config.first_day, TODAY + timedelta(days=1)
    expected = ledger_costs(served.sim, first, end)
    expected = {k: v for k, v in expected.items() if k[2] in real_keys}
    assert loaded_costs(served.db) == expected
    totals = dict(query(served.db, "select date, amount_usd from atlas_billing.daily_cost_totals"))
    assert totals == sums_by(expected, 0) | {
        d: Decimal(0) for d in totals if d not in sums_by(expected, 0)
    }
    assert summary.rows["model_costs"] == len(expected)


def test_a_coarser_grain_is_loaded_when_asked_for(serve: Callable[..., Served]) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=20)))
    served.load(grain="model_type")

    loaded = dict(
        ((d, t), a)
        for d, t, a in query(
            served.db, "select date, model_type, amount_usd from atlas_billing.model_costs"
        )
    )
    first, end = served.sim.config.first_day, TODAY + timedelta(days=1)
    expected = {
        (r["date"], r["model_type"]): r["amount_usd"]
        for r in served.sim.ledger.model_costs(first, end, group_by=("model_type",))
    }
    assert loaded == expected
    assert {
        g for (g,) in query(served.db, "select distinct grain from atlas_billing.model_costs")
    } == {"model_type"}
    requests = [r for r in served.sim.requests if ("group_by[]", "model_type") in r.query]
    assert requests


def _clock_probes(served: Served) -> list[Any]:
    return [
        r
        for r in served.sim.requests
        if ("limit", "1") in r.query and not any(k == "group_by[]" for k, _ in r.query)
    ]


def test_a_backfill_in_several_loads_asks_the_servers_clock_once_with_its_balance_snapshot(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=200)))
    summary = served.load(days_per_load=60)

    assert summary.loads == 4  # four loads of days, the last with the balance snapshot
    # the snapshot's response tells the clock: no request just for it
    assert _clock_probes(served) == []
    assert len([r for r in served.sim.requests if r.path.endswith("/balance")]) == 1
    assert len(table_rows(served.db, "balance_snapshots")) == 1


def test_a_run_reports_the_time_of_dlts_steps_summed_over_its_loads(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=200)))
    summary = served.load(days_per_load=60)

    assert summary.loads == 4
    assert list(summary.step_seconds) == list(STEPS)
    assert sum(summary.step_seconds.values()) <= summary.elapsed_seconds
    # the last load's trace, as dlt stored it: the summary holds more, the other loads' too
    last = dlt.attach(PIPELINE_NAME, pipelines_dir=str(served.pipelines_dir)).last_trace
    last_steps = {s.step: s for s in last.steps if s.step in STEPS}
    assert set(last_steps) == set(STEPS)
    for name, step in last_steps.items():
        assert summary.step_seconds[name] > (step.finished_at - step.started_at).total_seconds()
    assert f"dlt's steps: extract {summary.step_seconds['extract']:.1f}s" in summary.lines()[-1]


def test_duckdb_settings_given_as_json_in_the_environment_reach_the_load(
    serve: Callable[..., Served],
) -> None:
    # dlt hands an environment variable over as text: read as such, it was silently dropped
    served = serve(account(first_day=TODAY - timedelta(days=20)))
    served.monkeypatch.setenv(
        "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG", '{"no_such_setting": 1}'
    )
    with pytest.raises(AtlasBillingError, match='unrecognized configuration parameter "no_such'):
        served.load()

    served.monkeypatch.setenv(
        "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG", '{"memory_limit": "100MB", "threads": 2}'
    )
    summary = served.load()
    assert summary.loads == 1
    assert _load_settings(served, summary) == ("95.3 MiB", 2, False)


def test_the_load_runs_duckdb_capped_and_with_half_its_threads(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=20)))
    summary = served.load()

    with duckdb.connect() as connection:  # DuckDB's own default: one thread per core it may use
        (default_threads,) = connection.execute("select current_setting('threads')").fetchone()
    # dlt inserts the two large tables side by side, each on a connection of its own
    assert _load_settings(served, summary) == ("122.0 MiB", max(1, default_threads // 2), False)


def _load_settings(served: Served, summary: Any) -> tuple[str, int, bool]:
    """The DuckDB settings a connection of the load's destination gets, as DuckDB reports them."""
    pipeline = dlt.attach(
        PIPELINE_NAME,
        pipelines_dir=str(served.pipelines_dir),
        destination=summary.dlt_destination,
    )
    with pipeline.sql_client() as client:
        (row,) = client.execute_sql(
            "select current_setting('memory_limit'), current_setting('threads'),"
            " current_setting('preserve_insertion_order')"
        )
    return tuple(row)  # type: ignore[return-value]


def test_a_run_that_reads_its_days_in_one_load_takes_the_balance_snapshot_in_it(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=30)))
    messages: list[str] = []
    summary = served.load(on_progress=messages.append)

    assert summary.loads == 1 and summary.balance_snapshot
    assert [m for m in messages if "committed" in m] == [
        f"load 1 committed: days {TODAY - timedelta(days=30)}..{TODAY} and the balance snapshot"
    ]
    assert len(table_rows(served.db, "balance_snapshots")) == 1
    assert len(table_rows(served.db, "balance_cost_observations")) == 5


def test_without_a_balance_snapshot_one_small_request_asks_the_servers_clock(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=200)))
    served.load(days_per_load=60, load_balance=False)

    assert len(_clock_probes(served)) == 1
    assert not [r for r in served.sim.requests if r.path.endswith("/balance")]
