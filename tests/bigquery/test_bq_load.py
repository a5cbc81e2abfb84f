"""dlt loads into BigQuery (the local emulator) the way the connector needs: money exact as
NUMERIC(38, 9), tables partitioned by day and clustered on API key and model, and a re-read window
that replaces its days whole with a DELETE BigQuery can prune to the window's partitions.

The resource here is a stand-in shaped like `model_costs`, with extreme amounts; it pins the dlt
settings the real source uses (delete-insert with a `destination_scope` naming the window's days
as constants: `sources.atlas_billing.replace_days`), which test_bq_marts.py runs end to end.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import pytest
from bigquery_support import BigQueryEmulator, new_dataset_name
from dlt.common.schema.typing import TColumnSchema
from dlt.destinations.adapters import bigquery_adapter
from dlt.extract.resource import DltResource

pytestmark = [
    pytest.mark.bigquery,
    pytest.mark.usefixtures("bigquery_env"),
    pytest.mark.filterwarnings("ignore:Cannot create BigQuery Storage client"),
]

MONEY: TColumnSchema = {"data_type": "decimal", "precision": 38, "scale": 9}


def replaced_days(first_day: date, end_day: date) -> str:
    """The rows a load replaces: days [first_day, end_day), as constants on the partition column.

    Constants let BigQuery prune the DELETE to those partitions; dlt's default delete-insert
    (keys matched against the staging table in a subquery) scans the whole table every run.
    """
    return f"date >= DATE '{first_day.isoformat()}' AND date < DATE '{end_day.isoformat()}'"


def daily_costs(first_day: date, end_day: date, rows: list[dict[str, Any]]) -> DltResource:
    """A `model_costs`-like resource that re-reads the days [first_day, end_day)."""

    @dlt.resource(
        name="model_costs",
        primary_key="row_key",
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        columns={"date": {"data_type": "date", "nullable": False}, "amount_usd": MONEY},
    )
    def model_costs() -> Any:
        # The window is known only when the resource runs, so it is set as a hint on the data.
        scope = {"disposition": "merge", "strategy": "delete-insert"}
        scope["destination_scope"] = replaced_days(first_day, end_day)
        yield dlt.mark.with_hints(rows, dlt.mark.make_hints(write_disposition=scope))  # type: ignore[arg-type]

    return bigquery_adapter(model_costs(), partition="date", cluster=["api_key_id", "model"])


def cost(day: int, api_key_id: str, model: str, amount_usd: str) -> dict[str, Any]:
    day_ = date(2026, 5, day)
    return {
        "row_key": f"{day_}|{api_key_id}|{model}",
        "date": day_,
        "api_key_id": api_key_id,
        "model": model,
        "amount_usd": Decimal(amount_usd),
    }


class Warehouse:
    """One dataset in the emulator, loaded by one dlt pipeline."""

    def __init__(self, emulator: BigQueryEmulator, pipelines_dir: Path) -> None:
        self.emulator = emulator
        self.dataset = new_dataset_name("load")
        self.pipeline = dlt.pipeline(
            pipeline_name=self.dataset,
            destination=dlt.destinations.bigquery(credentials=emulator.dlt_credentials()),
            dataset_name=self.dataset,
            pipelines_dir=str(pipelines_dir),
        )

    def load(self, resource: DltResource) -> None:
        self.pipeline.run(resource).raise_on_failed_jobs()

    def costs(self) -> list[tuple[date, str, str, Decimal]]:
        table = f"`{self.emulator.project}.{self.dataset}.model_costs`"
        rows = self.emulator.client().query(
            f"SELECT date, api_key_id, model, amount_usd FROM {table} ORDER BY 1, 2, 3"
        )
        return [tuple(row.values()) for row in rows.result()]

    def statements_on_costs(self, verb: str) -> list[str]:
        """Every `verb` statement (CREATE TABLE, DELETE FROM) run on this dataset's model_costs."""
        target = f"`{self.emulator.project}`.`{self.dataset}`.`model_costs`"
        return [
            statement.strip()
            for query in self.emulator.queries_run()
            for statement in query.split(";")
            if statement.strip().startswith(f"{verb} {target}")
        ]


@pytest.fixture
def warehouse(bigquery_emulator: BigQueryEmulator, tmp_path: Path) -> Warehouse:
    return Warehouse(bigquery_emulator, tmp_path / "pipelines")


def test_money_lands_exactly_in_a_day_partitioned_table_clustered_on_key_and_model(
    warehouse: Warehouse,
) -> None:
    rows = [
        cost(1, "ak_1", "gpt-x", "0.000001"),
        cost(1, "ak_2", "gpt-x", "12345678901234567890.123456"),
        cost(2, "ak_1", "flux", "1.123456"),
    ]

    warehouse.load(daily_costs(date(2026, 5, 1), date(2026, 5, 3), rows))

    assert warehouse.costs() == [
        (date(2026, 5, 1), "ak_1", "gpt-x", Decimal("0.000001")),
        (date(2026, 5, 1), "ak_2", "gpt-x", Decimal("12345678901234567890.123456")),
        (date(2026, 5, 2), "ak_1", "flux", Decimal("1.123456")),
    ]
    table = warehouse.emulator.client().get_table(
        f"{warehouse.emulator.project}.{warehouse.dataset}.model_costs"
    )
    assert (table.time_partitioning.type_, table.time_partitioning.field) == ("DAY", "date")
    # The emulator keeps partitioning in the table's metadata but drops clustering and NUMERIC
    # precision from it, so what BigQuery is asked to create is read from the DDL dlt sent.
    [create] = warehouse.statements_on_costs("CREATE TABLE")
    assert "`amount_usd` NUMERIC(38,9)" in create
    assert "PARTITION BY `date`" in create
    assert "CLUSTER BY `api_key_id`, `model`" in create


def test_a_rerun_replaces_the_days_of_its_window_whole_and_leaves_older_days_alone(
    warehouse: Warehouse,
) -> None:
    first_run = [
        cost(day, key, "gpt-x", "2.000001") for day in (1, 2, 3) for key in ("ak_1", "ak_2")
    ]
    warehouse.load(daily_costs(date(2026, 5, 1), date(2026, 5, 4), first_run))
    # Day 3 is restated (ak_2's cost refunded away, ak_1's lowered), day 4 is new.
    second_run = [cost(3, "ak_1", "gpt-x", "0.500001"), cost(4, "ak_1", "gpt-x", "7.000007")]

    warehouse.load(daily_costs(date(2026, 5, 3), date(2026, 5, 5), second_run))

    assert warehouse.costs() == [
        (date(2026, 5, 1), "ak_1", "gpt-x", Decimal("2.000001")),
        (date(2026, 5, 1), "ak_2", "gpt-x", Decimal("2.000001")),
        (date(2026, 5, 2), "ak_1", "gpt-x", Decimal("2.000001")),
        (date(2026, 5, 2), "ak_2", "gpt-x", Decimal("2.000001")),
        (date(2026, 5, 3), "ak_1", "gpt-x", Decimal("0.500001")),
        (date(2026, 5, 4), "ak_1", "gpt-x", Decimal("7.000007")),
    ]
    # Each load deleted its window by constants on the partition column (prunable), no subquery.
    deletes = warehouse.statements_on_costs("DELETE FROM")
    assert len(deletes) == 2
    for delete in deletes:
        assert re.fullmatch(
            r"DELETE FROM \S+ WHERE date >= DATE '2026-05-0\d' AND date < DATE '2026-05-0\d'",
            delete,
        ), delete


def test_loading_the_same_window_again_changes_nothing(warehouse: Warehouse) -> None:
    rows = [cost(day, "ak_1", "gpt-x", "3.141592") for day in (1, 2)]
    warehouse.load(daily_costs(date(2026, 5, 1), date(2026, 5, 3), rows))
    before = warehouse.costs()

    warehouse.load(daily_costs(date(2026, 5, 1), date(2026, 5, 3), rows))

    assert warehouse.costs() == before
    assert len(before) == 2
