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


BAD_OPTIONS = [
    (
        "negative_spend",
        ("--other-spend-usd-per-day", "-1"),
        "must be a number of dollars, 0 or more",
    ),
    ("nan_spend", ("--other-spend-usd-per-day", "NaN"), "must be a number of dollars, 0 or more"),
    ("text_spend", ("--other-spend-usd-per-day", "ten"), "must be a number of dollars, 0 or more"),
    ("no_threads", ("--dbt-threads", "0"), "--dbt-threads must be 1 or more"),
    ("dir_in_a_file", ("--output-dir", "{file}/demo"), "cannot create --output-dir"),
    ("a_file", ("--output-dir", "{file}"), "it is a file"),
]
"""(id, options, what the one error line says)"""


@pytest.mark.parametrize(
    ("args", "says"), [case[1:] for case in BAD_OPTIONS], ids=[case[0] for case in BAD_OPTIONS]
)
def test_demo_options_that_cannot_work_stop_it_before_anything_runs(
    args: tuple[str, ...], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    filled = [arg.format(file=a_file) for arg in args]
    output = [] if "--output-dir" in args else ["--output-dir", str(tmp_path / "out")]

    assert main(["demo", *output, *filled]) == 2

    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], captured.err
    assert captured.out == ""  # nothing started: no simulator, no load
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert a_file.read_text() == "not a folder"


def test_the_simulator_refuses_other_spend_that_is_not_dollars(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["simulate", "--other-spend-usd-per-day", "-0.5"]) == 2
    assert "0 or more" in capsys.readouterr().err
