"""With each balance snapshot the source records the ungrouped cost of the recent days as it stood
at that moment (`balance_cost_observations`), with the scope and filters of the costs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dlt
import pytest

from simulator import AccountConfig, Simulator
from sources.atlas_billing import atlas_billing_source

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
LOOKBACK_DAYS = 2


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[dlt.Pipeline]:
    yield dlt.pipeline(
        pipeline_name="atlas_billing_observations_test",
        destination=dlt.destinations.duckdb(credentials=str(tmp_path / "source.duckdb")),
        dataset_name="atlas_billing",
        pipelines_dir=str(tmp_path / "pipelines"),
    )


def test_a_snapshot_records_today_and_the_lookback_days_before_it_with_the_costs_filters(
    pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = Simulator(
        AccountConfig(seed=3, n_keys=3, n_models=4, first_day=date(2026, 4, 1)), now=NOW
    )
    today = NOW.date()
    first = today - timedelta(days=LOOKBACK_DAYS + 1)
    spenders = sim.ledger.model_costs(first, today + timedelta(days=1), group_by=("api_key",))
    keys = sorted({r["api_key_id"] for r in spenders if r["api_key_id"] and r["amount_usd"]})[:1]
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", sim.keys.admin)
    with sim.serve() as server:
        for _ in range(2):  # the second run, in the same server second, changes nothing
            source = atlas_billing_source(
                base_url=server.base_url,
                start_date="2026-04-01",
                lookback_days=LOOKBACK_DAYS,
                api_key_ids=keys,
            )
            pipeline.run(source.with_resources("balance_snapshots"))

    with pipeline.sql_client() as sql:
        observed = sql.execute_sql(
            "select snapshot_at, date, amount_usd, partial from balance_cost_observations"
            " order by date"
        )
        ((partial_day_cost,),) = sql.execute_sql(
            "select partial_day_cost_usd from balance_snapshots"
        )
    expected = {
        r["date"]: r["amount_usd"]
        for r in sim.ledger.model_costs(
            first, today + timedelta(days=1), group_by=(), api_key_ids=keys
        )
    }
    assert [(d, amount) for _, d, amount, _ in observed] == [
        (first + timedelta(days=n), expected.get(first + timedelta(days=n), 0))
        for n in range(LOOKBACK_DAYS + 2)
    ]
    assert any(expected.values())
    assert {snapshot_at for snapshot_at, *_ in observed} == {NOW}
    assert [partial for *_, partial in observed] == [False] * (LOOKBACK_DAYS + 1) + [True]
    assert partial_day_cost == expected.get(today, 0)
    everyone = sim.ledger.model_costs(first, today + timedelta(days=1), group_by=())
    assert sum(expected.values()) < sum(r["amount_usd"] for r in everyone), "a filter leaves out"
