"""Helpers for the dbt tests: a simulated account loaded once a simulated day (so there is a
balance history), its purchase ledger, a real `dbt build`, and reads of what dbt built."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import duckdb

from pipelines.credit_ledger import load_credit_ledger
from pipelines.load import DATASET_NAME, load
from pipelines.transform import DbtBuildSummary, build, marts_schema, temporary_environment
from simulator import AccountConfig, Simulator

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
"""The simulated time of the last run: mid-day, so the last day is partial."""
API_KEY_ENV = "SOURCES__ATLAS_BILLING__API_KEY"


@dataclass
class LoadedAccount:
    """A simulated account loaded into a DuckDB file by one run per simulated day."""

    sim: Simulator
    root: Path
    db: Path
    snapshot_times: list[datetime] = field(default_factory=list)
    other_spend_through: dict[datetime, Decimal] = field(default_factory=dict)
    """Non-model spend the account made from its opening up to each snapshot (ground truth)."""

    @property
    def pipelines_dir(self) -> Path:
        return self.root / "pipelines"

    def load_ledger(self, db: Path | None = None) -> Path:
        """Export the simulator's purchase ledger and load it as the table credit_ledger."""
        ledger = self.sim.ledger.export_purchase_ledger_csv(self.root / "purchase_ledger.csv")
        load_credit_ledger(
            ledger,
            destination=dlt.destinations.duckdb(credentials=str(db or self.db)),
            dataset_name=DATASET_NAME,
            pipelines_dir=self.pipelines_dir,
        )
        return ledger

    def copy_db(self, name: str) -> Path:
        """A copy of the DuckDB file, for a build that must not disturb the shared one."""
        copy = self.root / name
        shutil.copyfile(self.db, copy)
        return copy

    def build(self, db: Path | None = None, **options: Any) -> DbtBuildSummary:
        db = db or self.db
        return build(db, target_path=db.parent / f"dbt_target_{db.stem}", **options)


def load_daily(
    config: AccountConfig,
    root: Path,
    *,
    runs: int,
    scope: str | None = None,
    member: bool = False,
    **options: Any,
) -> LoadedAccount:
    """Serve the account and load it once a simulated day, the last run at NOW.

    `member` loads with the self-only key, which may not read the balance (no snapshots);
    `options` go to `load` as they are (e.g. `grain`, `source_options`).
    """
    root.mkdir(parents=True, exist_ok=True)
    sim = Simulator(config, now=NOW - timedelta(days=runs - 1))
    loaded = LoadedAccount(sim=sim, root=root, db=root / "atlas.duckdb")
    key = sim.keys.self_only if member else sim.keys.admin
    with sim.serve() as server, temporary_environment({API_KEY_ENV: key}):
        for run in range(runs):
            load(
                base_url=server.base_url,
                start_date=config.first_day.isoformat(),
                duckdb_path=loaded.db,
                pipelines_dir=loaded.pipelines_dir,
                scope=scope,
                load_balance=False if member else None,
                **options,
            )
            now = sim.clock.now()
            loaded.snapshot_times.append(now)
            loaded.other_spend_through[now] = sum(
                sim.ledger.daily_other_spend(
                    config.first_day, now.date() + timedelta(days=1)
                ).values(),
                Decimal(0),
            )
            if run < runs - 1:
                sim.clock.advance(timedelta(days=1))
    return loaded


def load_daily_with_ledger(config: AccountConfig, root: Path, *, runs: int) -> LoadedAccount:
    """`load_daily`, then the simulator's purchase ledger loaded beside it and `dbt build` run:
    an account whose marts can be held against the ledger."""
    loaded = load_daily(config, root, runs=runs)
    loaded.load_ledger()
    loaded.build()
    return loaded


def rows(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of a query; `{models}` stands for the schema dbt built into."""
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql.replace("{models}", marts_schema()), params or []).fetchall()


def utc(naive: datetime) -> datetime:
    """The marts hold UTC timestamps without a zone; the simulator's carry one."""
    return naive.replace(tzinfo=UTC)


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]
