"""Helpers for load tests: a served simulator with its DuckDB file and dlt working directory in
tmp_path, and functions that read what was loaded."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.load import LoadSummary, load
from simulator import AccountConfig, Simulator

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
"""The simulated clock: mid-day, so the last day loaded is partial."""

DAILY_TABLES = ("model_costs", "model_usage", "daily_cost_totals", "models")
ALL_TABLES = (*DAILY_TABLES, "balance_snapshots")


def account(**overrides: Any) -> AccountConfig:
    """A small account with every model type, some Playground usage and restatements."""
    values: dict[str, Any] = {"seed": 7, "n_keys": 3, "n_models": 5, "first_day": date(2025, 4, 1)}
    values.update(overrides)
    return AccountConfig(**values)


@dataclass
class Served:
    """A simulator being served, and where loads of it go."""

    sim: Simulator
    base_url: str
    tmp_path: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def db(self) -> Path:
        return self.tmp_path / "atlas.duckdb"

    @property
    def pipelines_dir(self) -> Path:
        return self.tmp_path / "pipelines"

    def load(self, *, key: str | None = None, **options: Any) -> LoadSummary:
        """Run `load()` into this test's DuckDB file, the key coming from the environment."""
        self.monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", key or self.sim.keys.admin)
        source_options = options.pop("source_options", {})
        options.setdefault("start_date", self.sim.config.first_day.isoformat())
        options.setdefault("duckdb_path", self.db)
        options.setdefault("pipelines_dir", self.pipelines_dir)
        return load(base_url=self.base_url, source_options=source_options, **options)


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one query against a loaded DuckDB file (opened read-only, closed at once)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def columns(db: Path, table: str) -> list[str]:
    return [
        row[0]
        for row in query(
            db,
            "select column_name from information_schema.columns"
            f" where table_schema = 'atlas_billing' and table_name = '{table}'"
            " order by ordinal_position",
        )
    ]


def table_rows(db: Path, table: str, *, leave_out: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """Every row of a table without dlt's bookkeeping columns, sorted: for comparing runs."""
    names = [c for c in columns(db, table) if not c.startswith("_dlt") and c not in leave_out]
    if not names:
        return []
    rows = query(db, f"select {', '.join(names)} from atlas_billing.{table}")
    return sorted(rows, key=repr)


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """All loaded tables, request ids left out (each run has its own)."""
    return {
        table: table_rows(db, table, leave_out=("request_id",))
        for table in ALL_TABLES
        if columns(db, table)
    }


def loaded_costs(db: Path) -> dict[tuple[date, str | None, str | None], Decimal]:
    rows = query(db, "select date, model, api_key_id, amount_usd from atlas_billing.model_costs")
    return {(d, m, k): a for d, m, k, a in rows}


def ledger_costs(
    sim: Simulator, start: date, end: date
) -> dict[tuple[date, str | None, str | None], Decimal]:
    return {
        (r["date"], r["model"], r["api_key_id"]): r["amount_usd"]
        for r in sim.ledger.model_costs(start, end, group_by=("model", "api_key"))
    }


def run_command(base_url: str, first_day: date, db: Path, pipelines_dir: Path) -> list[str]:
    """`atlas-billing run` from the first day into `db`, as a subprocess's argument list."""
    return [
        sys.executable,
        "-m",
        "pipelines.cli",
        "run",
        "--base-url",
        base_url,
        "--start-date",
        first_day.isoformat(),
        "--duckdb-path",
        str(db),
        "--pipelines-dir",
        str(pipelines_dir),
    ]
