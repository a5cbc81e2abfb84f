"""`atlas-billing demo`, the README's main command: simulator -> dlt -> DuckDB -> dbt -> report in
one go, into a folder of its own, starting afresh each time."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main

DEMO = [
    "demo",
    "--snapshots",
    "3",
    "--days",
    "60",
    "--keys",
    "2",
    "--models",
    "4",
    "--now",
    "2026-05-10T15:30:00Z",
]


def test_the_demo_loads_builds_and_prints_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "demo_output"
    output.mkdir()
    stale = duckdb.connect(str(output / "atlas.duckdb"))
    stale.execute("create table left_over (x int)")
    stale.close()

    assert main([*DEMO, "--output-dir", str(output)]) == 0

    out = capsys.readouterr().out
    assert "run 3/3 at 2026-05-10 15:30" in out
    assert "purchase ledger:" in out and "dbt build:" in out
    for section in (
        "Spend by API key,",
        "Spend by model,",
        "Balance at 2026-05-10 15:30",
        "Reconciliation of the balance, 2 intervals",
        "Credits and expiry as of 2026-05-10 15:30",
    ):
        assert section in out
    # the default other spend (DevPod/GPU/storage) is found and flagged
    assert "unexplained_spend_above_tolerance" in out
    assert (output / "purchase_ledger.csv").exists()
    with duckdb.connect(str(output / "atlas.duckdb"), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
            ).fetchall()
        }
        snapshots = con.execute("select count(*) from atlas_billing.balance_snapshots").fetchone()
    assert "left_over" not in tables, "a demo starts from an empty DuckDB file"
    assert snapshots == (3,)
    assert {"atlas_billing__spend_daily", "atlas_billing__credit_expiry"} <= tables


def test_demo_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--snapshots", "0"]) == 2
    assert "--snapshots" in capsys.readouterr().err
