"""Chaos: an API that fails up to 30% of requests, in every way the simulator can fail them, changes
nothing in what is loaded. Backfills and incremental runs under such faults end with tables
identical, row for row and to the micro-dollar, to runs that met no fault. Faults that never
clear stop the run with one line and a non-zero exit, and the marts show nothing half-written.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pipeline_support import query, snapshot
from reliability_support import (
    KEY_ENV,
    Tally,
    Workspace,
    assert_key_nowhere,
    differences,
    marts,
)

from pipelines.load import load
from pipelines.transform import temporary_environment
from simulator import AccountConfig, FaultConfig, Simulator

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
CONFIG = AccountConfig(seed=7, n_keys=3, n_models=5, first_day=NOW.date() - timedelta(days=120))
TRANSIENT = (
    *("429", "429_date", "500", "502", "503", "html", "drop", "slow", "truncated", "malformed"),
)
"""Every fault that clears when asked again (the shape faults never do: tests/reliability/
test_bad_input.py)."""
PATIENT = {"request_timeout_seconds": 0.5, "max_attempts": 12}
"""A short timeout, so `slow` answers cost little, and attempts enough that 30% faults pass."""
DAYS_PER_LOAD = 40

Serve = Callable[..., tuple[Simulator, str]]


def chaos(seed: int, rate: float) -> FaultConfig:
    """Every transient fault at once, `rate` of all requests in total."""
    return FaultConfig(
        seed=seed,
        rates={kind: rate / len(TRANSIENT) for kind in TRANSIENT},
        retry_after_s=1,
        slow_s=1.0,
    )


def load_into(sim: Simulator, base_url: str, root: Path, **options: Any) -> None:
    """One `load()` (what `atlas-billing run` does before dbt) into root/atlas.duckdb."""
    options.setdefault("days_per_load", DAYS_PER_LOAD)
    root.mkdir(parents=True, exist_ok=True)
    with temporary_environment({KEY_ENV: sim.keys.admin}):
        load(
            base_url=base_url,
            start_date=sim.config.first_day.isoformat(),
            duckdb_path=root / "atlas.duckdb",
            pipelines_dir=root / "pipelines",
            **options,
        )


def count_faults(sim: Simulator, tally: Tally) -> int:
    """Count the faults a simulator injected into the tally; their number."""
    faults = [r.fault for r in sim.requests if r.fault]
    for kind in sorted(set(faults)):
        tally.add_tried("faults", faults.count(kind), label=kind)
    return len(faults)


@pytest.fixture(scope="module")
def clean_backfill(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    """The tables of a backfill that met no fault."""
    root = tmp_path_factory.mktemp("clean")
    sim = Simulator(CONFIG, now=NOW)
    with sim.serve() as server:
        load_into(sim, server.base_url, root)
    return snapshot(root / "atlas.duckdb")


def run_backfill_under_chaos(
    serve: Serve,
    tmp_path: Path,
    tally: Tally,
    capfd: pytest.CaptureFixture[str],
    chaos_config: tuple[int, float, int],
) -> tuple[dict[str, list[Any]], int]:
    seed, rate, max_in_flight = chaos_config
    sim, base_url = serve(CONFIG, now=NOW, faults=chaos(seed, rate))
    load_into(sim, base_url, tmp_path, source_options={**PATIENT, "max_in_flight": max_in_flight})
    output = capfd.readouterr()
    assert_key_nowhere(
        sim.keys.admin, tally, roots=[tmp_path], texts={"out": output.out, "err": output.err}
    )
    return snapshot(tmp_path / "atlas.duckdb"), count_faults(sim, tally)


@pytest.mark.parametrize(("seed", "rate"), [(1, 0.3), pytest.param(2, 0.3, marks=pytest.mark.slow)])
def test_a_backfill_under_30_percent_faults_ends_with_the_tables_of_a_clean_one(
    serve: Serve,
    tmp_path: Path,
    tally: Tally,
    capfd: pytest.CaptureFixture[str],
    clean_backfill: dict[str, list[Any]],
    seed: int,
    rate: float,
) -> None:
    tables, n_faults = run_backfill_under_chaos(serve, tmp_path, tally, capfd, (seed, rate, 4))

    assert n_faults >= 5, "the chaos should have injected faults"
    assert differences(tables, clean_backfill) == []
    assert tables == clean_backfill
    tally.add_right("faults", n_faults)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "rate", "max_in_flight"),
    [
        *((3, 0.1, 4), (3, 0.3, 1), (4, 0.2, 4), (4, 0.3, 4), (5, 0.1, 1)),
        *((5, 0.3, 4), (6, 0.2, 1), (6, 0.3, 4), (7, 0.3, 8), (8, 0.3, 8)),
    ],
)
def test_many_backfills_under_faults_end_with_the_tables_of_a_clean_one(
    serve: Serve,
    tmp_path: Path,
    tally: Tally,
    capfd: pytest.CaptureFixture[str],
    clean_backfill: dict[str, list[Any]],
    seed: int,
    rate: float,
    max_in_flight: int,
) -> None:
    tables, n_faults = run_backfill_under_chaos(
        serve, tmp_path, tally, capfd, (seed, rate, max_in_flight)
    )

    assert differences(tables, clean_backfill) == []
    assert tables == clean_backfill
    tally.add_right("faults", n_faults)


@pytest.mark.parametrize("seed", [11, pytest.param(12, marks=pytest.mark.slow)])
def test_an_incremental_run_under_faults_ends_like_a_clean_one(
    serve: Serve, tmp_path: Path, tally: Tally, capfd: pytest.CaptureFixture[str], seed: int
) -> None:
    # two warehouses loaded alike; two days later (restatements landed meanwhile) one catches up
    # cleanly, the other through 30% faults
    sim, base_url = serve(CONFIG, now=NOW)
    clean, faulty = tmp_path / "clean", tmp_path / "faulty"
    load_into(sim, base_url, clean)
    faulty.mkdir()
    shutil.copyfile(clean / "atlas.duckdb", faulty / "atlas.duckdb")  # dlt state travels with it
    sim.clock.advance(timedelta(days=2, hours=5))
    load_into(sim, base_url, clean)
    sim.faults = chaos(seed, 0.3)

    # small pages: retried requests carry cursors, and there are enough requests for faults
    # (a daily run reads only its lookback and the days since)
    load_into(sim, base_url, faulty, source_options={**PATIENT, "page_size": 10})

    n_faults = count_faults(sim, tally)
    assert n_faults >= 3
    assert differences(snapshot(faulty / "atlas.duckdb"), snapshot(clean / "atlas.duckdb")) == []
    tally.add_right("faults", n_faults)
    output = capfd.readouterr()
    assert_key_nowhere(sim.keys.admin, tally, roots=[tmp_path], texts=output._asdict())


# ---- faults that never clear ---------------------------------------------------------------------


@dataclass
class Baseline:
    """A warehouse a first `atlas-billing run` (with dbt) built at NOW."""

    sim: Simulator
    base_url: str
    marts: dict[str, list[Any]]


@pytest.fixture
def baseline(serve: Serve, workspace: Workspace) -> Baseline:
    sim, base_url = serve(CONFIG, now=NOW)
    first = workspace.cli(
        *workspace.run_args(base_url, "--start-date", str(CONFIG.first_day)), key=sim.keys.admin
    )
    assert first.code == 0, first.err
    return Baseline(sim, base_url, marts(workspace.db))


def persistent(kind: str, after: int) -> FaultConfig:
    """Every request from the `after`-th on fails with `kind`."""
    return FaultConfig(schedule={n: kind for n in range(after, after + 5000)}, slow_s=1.0)


PERSISTENT_MESSAGES = {
    "429": "rate limited (Too many requests.); run again later, or lower max_in_flight",
    "500": "the API failed (Internal error.); run again later",
    "502": "the API failed (Bad gateway.); run again later",
    "503": "the API failed (Service unavailable.); run again later",
    "html": "a proxy or gateway answered HTTP 502 with an HTML page instead of the API's JSON",
    "drop": "the connection to the API broke (ProtocolError: Connection broken",
    "slow": "the API did not answer in time (ReadTimeout",
    "truncated": "response body is not JSON (application/json)",
    "malformed": "response body is not JSON (application/json)",
}


@pytest.mark.parametrize(
    "kind",
    [
        "503",
        *(pytest.param(k, marks=pytest.mark.slow) for k in PERSISTENT_MESSAGES if k != "503"),
    ],
)
def test_a_fault_that_never_clears_stops_the_run_and_the_marts_stay_as_they_were(
    baseline: Baseline, workspace: Workspace, tally: Tally, kind: str
) -> None:
    sim = baseline.sim
    sim.clock.advance(timedelta(days=30))
    # the first load of the catch-up commits; the second meets the fault and never gets past it
    sim.faults = persistent(kind, after=12)
    args = workspace.run_args(baseline.base_url, "--days-per-load", "10")
    env = {
        "SOURCES__ATLAS_BILLING__MAX_ATTEMPTS": "3",
        "SOURCES__ATLAS_BILLING__REQUEST_TIMEOUT_SECONDS": "0.5",
    }

    with tally.attempt("faults", 1, label=f"persistent {kind}"):
        failed = workspace.cli(*args, key=sim.keys.admin, env=env)

        line = failed.one_error_line()
        assert line.startswith("atlas-billing run: error: ")
        assert PERSISTENT_MESSAGES[kind] in line
        assert "load 1 committed" in failed.out and "load 2 committed" not in failed.out
        assert marts(workspace.db) == baseline.marts
        # what did commit is whole days, exactly as the API has them
        assert_whole_days_as_the_ledger_has_them(sim, workspace.db)

        sim.faults = FaultConfig()
        again = workspace.cli(*args, "--no-dbt", key=sim.keys.admin)
        assert again.code == 0, again.err
        assert_whole_days_as_the_ledger_has_them(sim, workspace.db, through=sim.clock.now().date())


def assert_whole_days_as_the_ledger_has_them(
    sim: Simulator, db: Path, *, through: date | None = None
) -> None:
    """Every loaded day holds exactly the ledger's rows for it; with `through`, every day is."""
    loaded: dict[date, dict[tuple[str | None, str | None], Decimal]] = {}
    for day, model, key, amount in query(
        db, "select date, model, api_key_id, amount_usd from atlas_billing.model_costs"
    ):
        loaded.setdefault(day, {})[(model, key)] = amount
    end = sim.clock.now().date() + timedelta(days=1)
    truth: dict[date, dict[tuple[str | None, str | None], Decimal]] = {}
    for row in sim.ledger.model_costs(CONFIG.first_day, end, group_by=("model", "api_key")):
        truth.setdefault(row["date"], {})[(row["model"], row["api_key_id"])] = row["amount_usd"]
    totals = dict(query(db, "select date, amount_usd from atlas_billing.daily_cost_totals"))
    for day, rows in loaded.items():
        assert rows == truth.get(day, {}), day
        assert totals[day] == sum(rows.values(), Decimal(0)), day
    days = sorted(totals)
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))], "a gap in the days"
    if through is not None:
        assert days[-1] == through
        assert {d: r for d, r in truth.items() if r} == {d: r for d, r in loaded.items() if r}
