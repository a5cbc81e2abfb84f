"""`atlas-billing run` builds the dbt project after the load (unless told not to), loads a purchase
ledger given with --credit-ledger, and fails with one line naming the dbt test that failed;
`atlas-billing report` then prints from the marts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from dbt_support import API_KEY_ENV, NOW, rows

from pipelines.cli import main
from simulator import AccountConfig, Simulator

CONFIG = AccountConfig(seed=3, n_keys=2, n_models=4, first_day=NOW.date() - timedelta(days=30))


@dataclass
class Served:
    sim: Simulator
    base_url: str


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    sim = Simulator(CONFIG, now=NOW)
    with sim.serve() as server:
        yield Served(sim, server.base_url)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: Served) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(API_KEY_ENV, served.sim.keys.admin)
    return tmp_path


def run_args(served: Served, workdir: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--base-url",
        served.base_url,
        "--start-date",
        CONFIG.first_day.isoformat(),
        "--duckdb-path",
        str(workdir / "atlas.duckdb"),
        "--pipelines-dir",
        str(workdir / "pipelines"),
        *extra,
    ]


def error_lines(capsys: pytest.CaptureFixture[str], command: str) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [
        line for line in err.splitlines() if line.startswith(f"atlas-billing {command}: error:")
    ]


def test_run_loads_the_ledger_builds_the_marts_and_report_prints_them(
    served: Served, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = served.sim.ledger.export_purchase_ledger_csv(workdir / "ledger.csv")
    lots = len(served.sim.ledger.credit_lots(at=NOW))

    assert main(run_args(served, workdir, "--credit-ledger", str(ledger))) == 0
    out = capsys.readouterr().out
    assert f"credit ledger: {lots} lots from {ledger}" in out
    assert "dbt build:" in out and "tests passed" in out
    db = workdir / "atlas.duckdb"
    assert rows(db, "select count(*) from atlas_billing.credit_ledger") == [(lots,)]
    assert rows(db, "select count(*) from {models}.atlas_billing__credit_expiry") == [(lots,)]

    assert main(["report", "--duckdb-path", str(db), "--days", "7"]) == 0
    report = capsys.readouterr().out
    week = f"{NOW.date() - timedelta(days=6)} .. {NOW.date()}"
    assert f"Spend by API key, {week}" in report
    assert f"Spend by model, {week}" in report
    assert "Balance at 2026-05-10 15:30" in report
    assert "Reconciliation" in report and "Credits and expiry as of 2026-05-10 15:30" in report
    week_costs = served.sim.ledger.model_costs(
        NOW.date() - timedelta(days=6), NOW.date() + timedelta(days=1)
    )
    total = sum(r["amount_usd"] for r in week_costs)
    assert f"${total:,.2f}" in report


def test_no_dbt_loads_only_and_the_report_says_the_marts_are_missing(
    served: Served, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(run_args(served, workdir, "--no-dbt")) == 0
    assert "dbt build" not in capsys.readouterr().out

    assert main(["report", "--duckdb-path", str(workdir / "atlas.duckdb")]) == 2
    (line,) = error_lines(capsys, "report")
    assert "marts are not built" in line and "--no-dbt" in line


def test_a_failing_dbt_test_fails_the_run_with_one_line_naming_it(
    served: Served, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = workdir / "ledger.csv"
    ledger.write_text(
        "purchased_at,kind,amount_usd,expires_at\n"
        "2026-05-01T10:00:00Z,purchase,50.000000,2026-04-01T10:00:00Z\n"  # expires before bought
    )

    assert main(run_args(served, workdir, "--credit-ledger", str(ledger))) == 2
    (line,) = error_lines(capsys, "run")
    assert "dbt build failed" in line
    assert "test int_atlas_billing__credit_lots_expire_after_purchase failed" in line


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("purchased_at,kind,amount_usd\n2026-05-01,gift,10\n", "line 2: kind 'gift' is not one of"),
        (
            "purchased_at,kind,amount_usd\n2026-05-01,purchase,ten\n",
            "amount_usd 'ten' is not a number",
        ),
        ("purchased_at,kind\n2026-05-01,purchase\n", "missing column(s) amount_usd"),
        (
            "purchased_at,kind,amount_usd\nyesterday,purchase,10\n",
            "purchased_at 'yesterday' is not",
        ),
    ],
    ids=["kind", "amount", "column", "time"],
)
def test_an_invalid_ledger_is_one_line_naming_the_problem(
    served: Served, workdir: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    ledger = workdir / "ledger.csv"
    ledger.write_text(content)
    assert main(run_args(served, workdir, "--credit-ledger", str(ledger), "--no-dbt")) == 2
    (line,) = error_lines(capsys, "run")
    assert expected in line and str(ledger) in line
