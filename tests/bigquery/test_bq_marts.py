"""The connector on BigQuery (the local emulator) does what it does on DuckDB.

One simulated account is loaded by the real source into a DuckDB file and into the emulator, and
the real dbt project is built on both: the marts are equal row for row, money to the micro-dollar.
A second run a day later, after a restatement refunded a row away, refunded part of another and
emptied a whole day, is loaded and built incrementally (`atlas-billing run --destination
bigquery`, dbt after the load): again equal on both, equal to a full rebuild, and equal to the
simulator's ledger. The report reads the same text from both. On BigQuery the daily tables are
partitioned by day and clustered on key and model, money is NUMERIC(38, 9), and every run deletes
only the days it read again, named as constants so BigQuery can prune to their partitions.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from bigquery_support import BigQueryEmulator, new_dataset_name
from dlt.common.destination import Destination

from pipelines.bigquery import anonymous_credentials
from pipelines.cli import main
from pipelines.credit_ledger import load_credit_ledger
from pipelines.load import load
from pipelines.report import render_report
from pipelines.transform import DBT_SCHEMA_ENV, bigquery_target, build
from simulator import AccountConfig, Simulator

pytestmark = [
    pytest.mark.bigquery,
    pytest.mark.filterwarnings("ignore:Cannot create BigQuery Storage client"),
]

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
"""The simulated time of the first run: mid-day, so its last day is partial."""
CONFIG = AccountConfig(
    seed=11,
    n_keys=2,
    n_models=4,
    first_day=NOW.date() - timedelta(days=12),
    other_spend_usd_per_day=Decimal("0.75"),
)
API_KEY_ENV = "SOURCES__ATLAS_BILLING__API_KEY"
MARTS = {
    # mart: the columns that identify a row
    "atlas_billing__spend_daily": ("date", "api_key_id", "model"),
    "atlas_billing__balance_reconciliation": ("period_end",),
    "atlas_billing__credit_expiry": ("lot_id",),
    "atlas_billing__balance_history": ("snapshot_at",),
}
MICRO = Decimal("0.000001")
WITHOUT_UNIT_TESTS = ("resource_type:seed", "resource_type:model", "resource_type:test")

Rows = list[dict[str, Any]]


@dataclass
class Warehouses:
    """One simulated account, loaded by the same runs into DuckDB and into BigQuery."""

    sim: Simulator
    root: Path
    emulator: BigQueryEmulator
    bigquery: Destination[Any, Any]
    raw_dataset: str
    marts_dataset: str
    marts_after_first_run: dict[str, tuple[Rows, Rows]] = field(default_factory=dict)
    vanished: tuple[date, str | None, str] | None = None
    """The (day, key, model) a restatement refunded away before the second run."""
    emptied_day: date | None = None

    @property
    def db(self) -> Path:
        return self.root / "atlas.duckdb"

    def marts(self) -> dict[str, tuple[Rows, Rows]]:
        """Every mart as (DuckDB rows, BigQuery rows), normalised for comparison."""
        return {mart: (self.duckdb_rows(mart, self.db), self.bigquery_rows(mart)) for mart in MARTS}

    def duckdb_rows(self, mart: str, db: Path) -> Rows:
        with duckdb.connect(str(db), read_only=True) as con:
            con.execute("SET TimeZone = 'UTC'")
            cursor = con.execute(f"select * from {self.marts_dataset}.{mart}")
            names = [column[0] for column in cursor.description]
            return normalised(
                mart, [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            )

    def bigquery_rows(self, mart: str, dataset: str | None = None) -> Rows:
        table = f"`{self.emulator.project}.{dataset or self.marts_dataset}.{mart}`"
        result = self.emulator.client().query(f"SELECT * FROM {table}").result()
        return normalised(mart, [dict(row.items()) for row in result])

    def bigquery_statements(self, verb: str, dataset: str, table: str) -> list[str]:
        """The `verb` statements (DELETE FROM, CREATE TABLE, ...) the emulator ran on a table."""
        target = re.compile(
            rf"{verb}\s+(?:OR REPLACE\s+TABLE\s+)?`?{re.escape(self.emulator.project)}`?\.`?"
            rf"{re.escape(dataset)}`?\.`?{re.escape(table)}`?[\s(]",
            re.IGNORECASE,
        )
        statements = (
            re.sub(r"/\*.*?\*/|--[^\n]*", "", statement, flags=re.DOTALL).strip()  # comments
            for query in self.emulator.queries_run()
            for statement in query.split(";")
        )
        return [statement for statement in statements if target.match(statement)]


def normalised(mart: str, rows: Rows) -> Rows:
    """Money at six decimals (what the API reports), UTC times without a zone, sorted by key."""

    def value(v: Any) -> Any:
        if isinstance(v, Decimal):
            return v.quantize(MICRO)
        if isinstance(v, datetime) and v.tzinfo is not None:
            return v.astimezone(UTC).replace(tzinfo=None)
        return v

    clean = [{name: value(v) for name, v in row.items()} for row in rows]
    key = MARTS[mart]
    return sorted(clean, key=lambda row: tuple((row[k] is None, str(row[k])) for k in key))


def spend(rows: Rows) -> dict[tuple[date, str | None, str], Decimal]:
    return {(r["date"], r["api_key_id"], r["model"]): r["cost_usd"] for r in rows}


def ledger_spend(sim: Simulator) -> dict[tuple[date, str | None, str], Decimal]:
    end = sim.clock.now().date() + timedelta(days=1)
    return {
        (r["date"], r["api_key_id"], r["model"]): r["amount_usd"]
        for r in sim.ledger.model_costs(CONFIG.first_day, end, group_by=("model", "api_key"))
    }


def load_both(
    sim: Simulator, base_url: str, root: Path, bigquery: Destination[Any, Any], dataset: str
) -> None:
    """A run of the load into both warehouses, through `load()`, then the purchase ledger."""
    for destination, pipelines in (("duckdb", "duckdb_pipelines"), (bigquery, "bq_pipelines")):
        load(
            destination=destination,
            duckdb_path=root / "atlas.duckdb",
            dataset_name=dataset if destination is bigquery else None,
            pipelines_dir=root / pipelines,
            base_url=base_url,
            start_date=CONFIG.first_day.isoformat(),
        )
    ledger = sim.ledger.export_purchase_ledger_csv(root / "purchase_ledger.csv")
    load_credit_ledger(
        ledger,
        destination=dlt.destinations.duckdb(credentials=str(root / "atlas.duckdb")),
        dataset_name="atlas_billing",
        pipelines_dir=root / "duckdb_pipelines",
    )
    load_credit_ledger(
        ledger, destination=bigquery, dataset_name=dataset, pipelines_dir=root / "bq_pipelines"
    )


def run_command(sim: Simulator, base_url: str, root: Path, *destination: str) -> int:
    """`atlas-billing run` with dbt after the load and the purchase ledger."""
    ledger = sim.ledger.export_purchase_ledger_csv(root / "purchase_ledger.csv")
    pipelines = "bq_pipelines" if "bigquery" in destination else "duckdb_pipelines"
    return main(
        [
            "run",
            *destination,
            "--base-url",
            base_url,
            "--duckdb-path",
            str(root / "atlas.duckdb"),
            "--pipelines-dir",
            str(root / pipelines),
            "--credit-ledger",
            str(ledger),
        ]
    )


@pytest.fixture(scope="module")
def warehouses(
    bigquery_emulator: BigQueryEmulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Warehouses]:
    root = tmp_path_factory.mktemp("bq_marts")
    raw_dataset = new_dataset_name("raw")
    marts_dataset = new_dataset_name("marts")
    bigquery = dlt.destinations.bigquery(
        credentials=anonymous_credentials(bigquery_emulator.project)
    )
    sim = Simulator(CONFIG, now=NOW - timedelta(days=1))
    with pytest.MonkeyPatch.context() as env, sim.serve() as server:
        env.setenv("BIGQUERY_EMULATOR_HOST", bigquery_emulator.endpoint)
        env.setenv(
            "NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION", "true"
        )  # the emulator cannot gunzip
        env.setenv(API_KEY_ENV, sim.keys.admin)
        env.setenv(DBT_SCHEMA_ENV, marts_dataset)
        env.chdir(root)  # no .dlt/ of the repository
        # First run: two daily loads (so there is a balance interval), then a full build.
        load_both(sim, server.base_url, root, bigquery, raw_dataset)
        sim.clock.advance(timedelta(days=1))
        load_both(sim, server.base_url, root, bigquery, raw_dataset)
        build(root / "atlas.duckdb")
        # Unit tests do not depend on the data: the second run's build runs them on BigQuery.
        build(bigquery_target(bigquery, dataset_name=raw_dataset), select=WITHOUT_UNIT_TESTS)
        loaded = Warehouses(sim, root, bigquery_emulator, bigquery, raw_dataset, marts_dataset)
        loaded.marts_after_first_run = loaded.marts()

        # A day later: a closed day inside the lookback is restated (one row refunded away,
        # another refunded in part), and every row of another day is refunded away.
        sim.clock.advance(timedelta(days=1))
        today = sim.clock.now().date()
        restated, emptied = today - timedelta(days=2), today - timedelta(days=3)
        day_rows = sorted(
            (key or "", model) for (d, key, model) in ledger_spend(sim) if d == restated
        )
        assert len(day_rows) >= 2, "the restated day needs two rows"
        (gone_key, gone_model), (cut_key, cut_model) = day_rows[0], day_rows[-1]
        sim.restate(restated, gone_key or None, gone_model, remove=True)
        sim.restate(restated, cut_key or None, cut_model, refund_units=1)
        for d, key, model in list(ledger_spend(sim)):
            if d == emptied:
                sim.restate(emptied, key, model, remove=True)
        loaded.vanished = (restated, gone_key or None, gone_model)
        loaded.emptied_day = emptied

        # Second run: the command, loading and building incrementally on each warehouse.
        assert run_command(sim, server.base_url, root, "--destination", "duckdb") == 0
        bigquery_options = ["--destination", "bigquery", "--dataset", raw_dataset]
        bigquery_options += ["--bigquery-project", bigquery_emulator.project]
        assert run_command(sim, server.base_url, root, *bigquery_options) == 0
        yield loaded


def test_the_first_run_builds_the_same_marts_in_bigquery_as_in_duckdb(
    warehouses: Warehouses,
) -> None:
    for mart, (in_duckdb, in_bigquery) in warehouses.marts_after_first_run.items():
        assert in_bigquery == in_duckdb, mart
        assert in_duckdb, f"{mart} is empty"
    spend_rows, _ = warehouses.marts_after_first_run["atlas_billing__spend_daily"]
    assert any(row["api_key_id"] is None for row in spend_rows), "Playground usage is missing"
    assert {row["model_type"] for row in spend_rows} >= {"text", "image", "video"}


def test_an_incremental_run_after_restatements_gives_the_same_marts_on_both(
    warehouses: Warehouses,
) -> None:
    marts = warehouses.marts()

    for mart, (in_duckdb, in_bigquery) in marts.items():
        assert in_bigquery == in_duckdb, mart
    in_duckdb, in_bigquery = marts["atlas_billing__spend_daily"]
    assert spend(in_bigquery) == ledger_spend(warehouses.sim)
    assert warehouses.vanished not in spend(in_bigquery)
    assert warehouses.emptied_day not in {day for day, _, _ in spend(in_bigquery)}
    # Two interval rows now: the second run's balance snapshot closed one more.
    reconciliation, _ = marts["atlas_billing__balance_reconciliation"]
    assert len(reconciliation) == 2


def test_the_incremental_build_merged_the_rebuilt_days_only(warehouses: Warehouses) -> None:
    # On BigQuery spend_daily was merged into, after deleting the vanished rows of the rebuilt
    # days named as constants (prunable); the full rebuild on DuckDB gives the same table.
    dataset, mart = warehouses.marts_dataset, "atlas_billing__spend_daily"
    assert warehouses.bigquery_statements("merge into", dataset, mart)
    [delete] = warehouses.bigquery_statements("delete from", dataset, mart)
    assert re.search(r"where date >= date '\d{4}-\d\d-\d\d'\s+and row_key not in", delete), delete
    rebuilt = warehouses.root / "rebuilt.duckdb"
    shutil.copyfile(warehouses.db, rebuilt)
    build(rebuilt, full_refresh=True, target_path=warehouses.root / "dbt_rebuilt")
    assert warehouses.duckdb_rows(mart, rebuilt) == warehouses.bigquery_rows(mart)


def test_the_report_reads_the_same_from_bigquery_as_from_duckdb(
    warehouses: Warehouses, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DBT_SCHEMA_ENV, warehouses.marts_dataset)
    from_duckdb = render_report(warehouses.db)
    assert render_report(warehouses.bigquery) == from_duckdb

    code = main(
        ["report", "--destination", "bigquery", "--bigquery-project", warehouses.emulator.project]
    )

    assert code == 0
    assert capsys.readouterr().out == from_duckdb + "\n"
    assert "Spend by API key" in from_duckdb and "Reconciliation of the balance" in from_duckdb


def test_daily_tables_are_partitioned_by_day_and_clustered_on_key_and_model(
    warehouses: Warehouses,
) -> None:
    client = warehouses.emulator.client()
    raw, marts = warehouses.raw_dataset, warehouses.marts_dataset
    partitioned = {
        (raw, "model_costs"),
        (raw, "model_usage"),
        (raw, "daily_cost_totals"),
        (marts, "atlas_billing__spend_daily"),
    }
    unpartitioned = {(raw, "balance_snapshots"), (raw, "models"), (raw, "credit_ledger")}
    for dataset, table in partitioned | unpartitioned:
        partitioning = client.get_table(f"{client.project}.{dataset}.{table}").time_partitioning
        if (dataset, table) in partitioned:
            assert (partitioning.type_, partitioning.field) == ("DAY", "date"), table
        else:
            assert partitioning is None, table
    # The emulator keeps no clustering (and no NUMERIC precision) in a table's metadata, so what
    # BigQuery was asked to create is read from the DDL in the emulator's job history.
    for dataset, table in [(raw, "model_costs"), (raw, "model_usage")]:
        [create] = warehouses.bigquery_statements("create table", dataset, table)
        assert "PARTITION BY `date`" in create and "CLUSTER BY `api_key_id`, `model`" in create
    [create] = warehouses.bigquery_statements("create table", raw, "model_costs")
    assert "`amount_usd` NUMERIC(38,9)" in create
    [create] = warehouses.bigquery_statements(
        "create or replace table", marts, "atlas_billing__spend_daily"
    )
    assert re.search(r"partition by date\s+cluster by api_key_id, model", create), create


def test_each_load_deletes_only_the_days_it_read_named_as_constants(
    warehouses: Warehouses,
) -> None:
    # Three loads: the first reads every day from the account's first, later ones the lookback.
    for table in ("model_costs", "model_usage", "daily_cost_totals"):
        deletes = warehouses.bigquery_statements("delete from", warehouses.raw_dataset, table)
        windows = [
            re.fullmatch(
                r"DELETE FROM \S+ WHERE date >= DATE '([\d-]+)' AND date < DATE '([\d-]+)'",
                delete,
            )
            for delete in deletes
        ]
        assert len(windows) == 3 and all(windows), deletes
        starts = sorted(date.fromisoformat(window.group(1)) for window in windows if window)
        assert starts[0] == CONFIG.first_day
        # each later load re-reads the last lookback_days (3) days closed before it
        assert starts[1:] == [NOW.date() - timedelta(days=4), NOW.date() - timedelta(days=3)]
