"""Crash and resume: `atlas-billing run`, killed with SIGKILL at any point of a backfill of several
loads — while it reads the API, while dlt normalizes, while dlt loads, while dbt builds — ends,
once run again, with exactly the raw tables and marts of a run that was never killed. Two runs
started at once on one DuckDB file: the second stops at once with one line, the first goes on
unharmed.

The simulator runs in a process of its own with its clock frozen, so every run, killed or not,
sees the same account.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    PHASES,
    KillPoint,
    StandaloneSimulator,
    Tally,
    Workspace,
    differences,
    standalone_simulator,
    warehouse,
)

SIMULATOR = ("--now", "2026-05-10T15:30:00+00:00", "--days", "150", "--seed", "7")
START_DATE = "2025-12-11"  # the account's first day: 150 days before the frozen clock
DAYS_PER_LOAD = 40
"""150 days in four loads: kills can land in the middle of a backfill, not only at its ends."""


@dataclass
class Clean:
    """A run that was never interrupted: its tables, and how long its dbt build took."""

    tables: dict[str, list[Any]]
    dbt_seconds: float


@pytest.fixture(scope="module")
def simulator() -> Iterator[StandaloneSimulator]:
    with standalone_simulator(*SIMULATOR, "--keys", "3", "--models", "5") as sim:
        yield sim


def run_args(ws: Workspace, sim: StandaloneSimulator) -> list[str]:
    return ws.run_args(
        sim.base_url, "--start-date", START_DATE, "--days-per-load", str(DAYS_PER_LOAD)
    )


@pytest.fixture(scope="module")
def clean(
    simulator: StandaloneSimulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Clean]:
    ws = Workspace(tmp_path_factory.mktemp("clean"))
    process = ws.start(*run_args(ws, simulator), key=simulator.admin_key)
    assert process.stdout is not None
    loaded_at = None
    out = []
    while line := process.stdout.readline():
        out.append(line)
        if line.startswith("loaded into"):
            loaded_at = time.monotonic()
    ws.finish(process, read_so_far="".join(out))
    assert loaded_at is not None
    dbt_seconds = time.monotonic() - loaded_at
    assert process.returncode == 0, "".join(out)
    assert "dbt build:" in "".join(out)
    yield Clean(warehouse(ws.db), dbt_seconds)
    assert ws.key_leaks() == {}
    ws.clean_up()


def kill_and_resume(
    ws: Workspace, sim: StandaloneSimulator, points: list[KillPoint], tally: Tally
) -> list[str]:
    """Kill a run at each point in turn (each run goes on from the one killed before it)."""
    seen = []
    for point in points:
        tally.add_tried("kills", label=point.phase)
        killed = ws.kill(ws.start(*run_args(ws, sim), key=sim.admin_key), point)
        seen.append(killed.phase_seen)
    return seen


def test_a_backfill_killed_in_every_phase_resumes_to_the_tables_of_a_clean_run(
    simulator: StandaloneSimulator, clean: Clean, workspace: Workspace, tally: Tally
) -> None:
    rng = random.Random(20260510)
    points = [
        KillPoint("extract", load=2, delay_s=rng.uniform(0, 0.2)),
        KillPoint("normalize", load=2),
        KillPoint("load", load=1),
        KillPoint("dbt", delay_s=rng.uniform(0.2, 0.8) * clean.dbt_seconds),
    ]

    phases = kill_and_resume(workspace, simulator, points, tally)

    assert phases == list(PHASES)
    last = workspace.start(*run_args(workspace, simulator), key=simulator.admin_key)
    read_so_far = assert_a_second_run_is_turned_away(workspace, simulator, last)
    finished = workspace.finish(last, read_so_far=read_so_far)
    assert finished.code == 0, finished.err[-3000:]
    tables = warehouse(workspace.db)
    assert differences(tables, clean.tables) == []
    assert tables == clean.tables
    tally.add_right("kills", len(points))


def assert_a_second_run_is_turned_away(ws: Workspace, sim: StandaloneSimulator, first: Any) -> str:
    """Start a second run while `first` reads the API: it must stop at once, naming the first.

    Returns what `first` printed meanwhile.
    """
    assert first.stdout is not None
    lines = []
    while line := first.stdout.readline():
        lines.append(line)
        if ": read " in line or line.startswith("dropped the unfinished load"):
            break
    with_lock_held = ws.finish(ws.start(*run_args(ws, sim), key=sim.admin_key), timeout=120)

    assert first.poll() is None, "the first run should still be going"
    line = with_lock_held.one_error_line()
    assert line == (
        f"atlas-billing run: error: another atlas-billing run (pid {first.pid}) is writing to"
        f" {ws.db}; wait for it to finish, or use another --duckdb-path"
    )
    return "".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(12))
def test_a_backfill_killed_at_a_random_point_resumes_to_the_tables_of_a_clean_run(
    simulator: StandaloneSimulator, clean: Clean, tmp_path: Path, tally: Tally, trial: int
) -> None:
    rng = random.Random(1000 + trial)
    phase = PHASES[trial % len(PHASES)]
    if phase == "dbt":
        point = KillPoint("dbt", delay_s=rng.uniform(0.05, 0.9) * clean.dbt_seconds)
    else:
        point = KillPoint(phase, load=rng.randint(1, 4), delay_s=rng.uniform(0, 0.15))
    ws = Workspace(tmp_path)
    try:
        kill_and_resume(ws, simulator, [point], tally)
        resumed = ws.finish(ws.start(*run_args(ws, simulator), key=simulator.admin_key))
        assert resumed.code == 0, resumed.err[-3000:]
        assert differences(warehouse(ws.db), clean.tables) == [], point
        assert warehouse(ws.db) == clean.tables
        assert ws.key_leaks() == {}
        tally.add_right("kills")
    finally:
        ws.clean_up()
