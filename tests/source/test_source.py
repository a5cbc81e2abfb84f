"""The dlt source on its own, as any dlt user would run it: configured from the environment,
incremental per resource, and stopping without committing anything on a response it cannot trust."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from fake_api import Reply, Request, balance_with_unknown_fields, bucket, money, page, serve

from simulator import AccountConfig, Simulator
from sources.atlas_billing import atlas_billing_source, settings
from sources.atlas_billing.errors import ContractViolation

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[dlt.Pipeline]:
    yield dlt.pipeline(
        pipeline_name="atlas_billing_source_test",
        destination=dlt.destinations.duckdb(credentials=str(tmp_path / "source.duckdb")),
        dataset_name="atlas_billing",
        pipelines_dir=str(tmp_path / "pipelines"),
    )


def _load_one_day(
    pipeline: dlt.Pipeline,
    monkeypatch: pytest.MonkeyPatch,
    route: Callable[[Request], Reply],
    resource: str,
    **options: Any,
) -> None:
    """Load `resource` for 2026-05-09 from a fake API answering with `route`."""
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", "apikey-test")
    with serve(route) as api:
        source = atlas_billing_source(
            base_url=api.base_url, start_date="2026-05-09", end_date="2026-05-10", **options
        )
        pipeline.run(source.with_resources(resource))


def _violation(raised: BaseException) -> ContractViolation:
    """The ContractViolation behind a failed pipeline step."""
    cause: BaseException | None = raised
    while cause is not None and not isinstance(cause, ContractViolation):
        cause = cause.__cause__ or cause.__context__
    assert isinstance(cause, ContractViolation), raised
    return cause


def test_the_source_is_configured_from_the_environment_and_keeps_the_key_out_of_the_trace(
    pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = Simulator(
        AccountConfig(seed=3, n_keys=2, n_models=3, first_day=date(2026, 4, 1)), now=NOW
    )
    with sim.serve() as server:
        for name, value in {
            "API_KEY": sim.keys.admin,
            "BASE_URL": server.base_url,
            "START_DATE": "2026-04-01",
            "GRAIN": "model",
            "PAGE_SIZE": "9",
        }.items():
            monkeypatch.setenv(f"SOURCES__ATLAS_BILLING__{name}", value)
        pipeline.run(atlas_billing_source())

    with pipeline.sql_client() as sql:
        rows = sql.execute_sql("select date, model, amount_usd from model_costs")
    expected = sim.ledger.model_costs(
        date(2026, 4, 1), NOW.date() + timedelta(1), group_by=("model",)
    )
    assert {(d, m): a for d, m, a in rows} == {
        (r["date"], r["model"]): r["amount_usd"] for r in expected
    }
    assert all(
        ("limit", "9") in r.query
        for r in sim.requests
        if r.path.endswith("model-costs") and ("group_by[]", "model") in r.query
    )
    resolved = {v.key: v for v in pipeline.last_trace.resolved_config_values}
    assert resolved["api_key"].is_secret_hint and resolved["api_key"].value is None
    assert sim.keys.admin not in repr(pipeline.last_trace.asdict())


def test_each_resource_keeps_its_last_closed_day_in_its_own_state(
    pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = Simulator(
        AccountConfig(seed=3, n_keys=2, n_models=3, first_day=date(2026, 4, 1)), now=NOW
    )
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", sim.keys.admin)
    with sim.serve() as server:
        source = atlas_billing_source(base_url=server.base_url, start_date="2026-04-01")
        pipeline.run(source.with_resources("model_costs", "daily_cost_totals"))

    resources = pipeline.state["sources"]["atlas_billing"]["resources"]
    assert resources["model_costs"] == {
        "loaded_from": "2026-04-01",
        "closed_through": "2026-05-09",
        "loaded_as": {
            "scope": "account",
            "filters": "none",
            "grain": "model,api_key",
            "row_key": "derived in dbt",
        },
    }
    assert resources["daily_cost_totals"]["closed_through"] == "2026-05-09"
    assert "model_usage" not in resources


@pytest.mark.parametrize(
    ("result", "field"),
    [
        (
            {"model": "m", "api_key_id": "ak_1", "amount": {"value": "0.24", "currency": "usd"}},
            "data[0].results[0].amount.value",
        ),
        (
            {"model": "m", "api_key_id": 17, "amount": money("0.240000")},
            "data[0].results[0].api_key_id",
        ),
        (None, "data[0].results"),
    ],
    ids=["amount_not_six_decimals", "key_of_wrong_type", "results_missing"],
)
def test_a_response_that_breaks_the_contract_stops_the_load_and_commits_nothing(
    pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch, result: dict | None, field: str
) -> None:
    day = date(2026, 5, 9)

    def route(request: Request) -> Reply:
        broken = bucket(day, [result] if result else [])
        if result is None:
            del broken["results"]
        if ("group_by[]", "model") in request.query:
            return Reply(body=page([broken], request_id="req_broken"))
        return Reply(body=page([bucket(day, [])]))

    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", "apikey-test")
    with serve(route) as api, pytest.raises(PipelineStepFailed) as raised:
        source = atlas_billing_source(
            base_url=api.base_url, start_date="2026-05-09", end_date="2026-05-10"
        )
        pipeline.run(source.with_resources("model_costs"))

    cause = _violation(raised.value)
    assert cause.endpoint == "/model-costs" and cause.param == field
    assert cause.request_id == "req_broken"
    assert "closed_through" not in str(pipeline.state)


def test_aggregate_requests_are_spread_over_the_reading_of_pages(pipeline: dlt.Pipeline) -> None:
    """An aggregate over a window (daily totals, model types, models of a type) takes the API
    long, and pages asked for meanwhile wait behind it: they go one per so many pages read
    (`settings.PAGES_PER_AGGREGATE`), not all at the start."""
    sim = Simulator(AccountConfig(seed=5, first_day=date(2025, 4, 1)), now=NOW)
    with sim.serve() as server:
        pipeline.run(
            atlas_billing_source(
                api_key=sim.keys.admin,
                base_url=server.base_url,
                start_date="2025-04-01",
                page_size=40,
                load_balance=False,
            )
        )

    def is_page(query: list[tuple[str, str]]) -> bool:
        return ("group_by[]", "api_key") in query and ("group_by[]", "model") in query

    listed = [r.query for r in sim.requests if r.path.endswith(("model-costs", "model-usage"))]
    kinds = ["page" if is_page(q) else "aggregate" for q in listed if ("limit", "1") not in q]
    aggregates, pages = kinds.count("aggregate"), kinds.count("page")
    assert aggregates >= 10 and pages >= 10 * settings.PAGES_PER_AGGREGATE
    # each aggregate waited for its pages: few go before the first pages were read
    first_pages = kinds.index("page") + 3 * settings.PAGES_PER_AGGREGATE
    assert kinds[:first_pages].count("aggregate") <= 4


@pytest.mark.parametrize("across", ["results", "filter_batches"])
def test_a_day_total_of_amounts_in_two_currencies_is_refused(
    pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch, across: str
) -> None:
    day = date(2026, 5, 9)
    models = [f"m{n}" for n in range(150)]  # two filter batches of at most 100

    def route(request: Request) -> Reply:
        first_batch = ("model_ids[]", "m0") in request.query
        usd = {"amount": money("1.000000")}
        eur = {"amount": {"value": "2.000000", "currency": "eur"}}
        results = [usd, eur] if across == "results" else [usd if first_batch else eur]
        return Reply(body=page([bucket(day, results)], request_id="req_mixed"))

    with pytest.raises(PipelineStepFailed) as raised:
        _load_one_day(
            pipeline,
            monkeypatch,
            route,
            "daily_cost_totals",
            load_balance=False,
            model_ids=models if across == "filter_batches" else None,
        )

    cause = _violation(raised.value)
    assert cause.request_id == "req_mixed"
    assert "a total would mix currencies" in str(cause)
    assert cause.param == (
        "data[0].results[1].amount.currency" if across == "results" else "data[0].results"
    )
    assert "closed_through" not in str(pipeline.state)


@pytest.mark.parametrize(
    ("resource", "first", "second"),
    [  # (where a field sits, its name) on the first request chain's page, then the second's
        ("model_usage", ("bucket", "tier"), ("result", "tier")),  # dlt would merge them
        ("model_usage", ("result", "audioSeconds"), ("result", "audio_seconds")),  # alike in dlt
        ("daily_cost_totals", ("bucket", "timeZone"), ("bucket", "time_zone")),
    ],
)
def test_unknown_fields_of_two_request_chains_that_would_share_a_column_are_refused(
    pipeline: dlt.Pipeline,
    monkeypatch: pytest.MonkeyPatch,
    resource: str,
    first: tuple[str, str],
    second: tuple[str, str],
) -> None:
    day = date(2026, 5, 9)
    models = [f"m{n}" for n in range(150)]  # two filter batches, each a request chain

    def route(request: Request) -> Reply:
        at, name = first if ("model_ids[]", "m0") in request.query else second
        result = {"model": "m0", "api_key_id": "ak_1", "requests": 1, "amount": money("1.000000")}
        if at == "result":
            result[name] = 1
        day_bucket = {**bucket(day, [result]), **({name: 1} if at == "bucket" else {})}
        return Reply(body=page([day_bucket], request_id="req_2"))

    with pytest.raises(PipelineStepFailed) as raised:
        _load_one_day(pipeline, monkeypatch, route, resource, load_balance=False, model_ids=models)

    cause = _violation(raised.value)
    assert cause.request_id == "req_2" and cause.param.endswith(f".{second[1]}")
    assert f"of another field of this run's pages, the {first[0]} field {first[1]!r}" in str(cause)
    assert "closed_through" not in str(pipeline.state)


def test_an_unknown_field_named_like_a_count_is_loaded_beside_it(
    pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = date(2026, 5, 9)

    def route(request: Request) -> Reply:
        result = {"model": "m", "api_key_id": "ak_1", "requests": 1, "Requests": 7}
        grouped = ("group_by[]", "model") in request.query
        return Reply(body=page([bucket(day, [result] if grouped else [])]))

    _load_one_day(pipeline, monkeypatch, route, "model_usage")

    with pipeline.sql_client() as sql:
        assert sql.execute_sql("select requests, result_requests from model_usage") == [(1, 7)]


def test_balance_fields_the_contract_does_not_name_are_loaded(
    pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def route(request: Request) -> Reply:
        if request.path.endswith("/balance"):
            return Reply(body=balance_with_unknown_fields())
        return Reply(body=page([]))

    _load_one_day(pipeline, monkeypatch, route, "balance_snapshots")

    with pipeline.sql_client() as sql:
        loaded = sql.execute_sql(
            "select available_usd, promo, account_region from balance_snapshots"
        )
    assert loaded == [(Decimal("12.5"), '{"currency": "usd", "value": "1.250000"}', "eu")]


def test_a_day_s_bucket_fields_the_contract_does_not_name_go_to_its_daily_total(
    pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = date(2026, 5, 9)

    def route(request: Request) -> Reply:
        results = [{"amount": money("1.500000")}]
        return Reply(body=page([{**bucket(day, results), "timezone": "UTC", "scope": "x"}]))

    _load_one_day(pipeline, monkeypatch, route, "daily_cost_totals")

    with pipeline.sql_client() as sql:
        loaded = sql.execute_sql(
            "select amount_usd, scope, timezone, bucket_scope from daily_cost_totals"
        )
    assert loaded == [(Decimal("1.5"), "account", "UTC", "x")]
