"""The benchmark suite at a tiny size: every figure is there, and the peer loaded what ours did.

No timing is asserted: figures are reported, never judged here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.runs import SAMPLE_SECONDS, Measured
from bench.simulated_api import (
    AccountSpec,
    RequestLog,
    SimulatorProcess,
    waited_for_a_core_seconds,
)
from bench.suite import (
    NOW,
    SIZES,
    TARGETS,
    Run,
    Size,
    ratios,
    run_suite,
    table,
    time_split,
    turn_figures,
    write_report,
)
from pipelines.load import STEPS

SCHEDULER_STATISTICS = Path("/proc/self/schedstat").exists()
"""Linux with the scheduler's per-task statistics (CONFIG_SCHED_INFO, in every distribution's
kernel): the simulator's wait for a core is reported."""

TINY = Size(keys=3, models=4, backfill_days=200, short_days=40, latency_ms=20)
RUNS = (
    "floor",
    "ours",
    "floor_2",
    "ours_2",
    "peer",
    "ours_short_backfill",
    "ours_latency",
    "ours_latency_one_in_flight",
    "ours_incremental",
)
FIGURES = (
    "wall_seconds",
    "rows",
    "rows_per_second",
    "peak_rss_mb",
    "cpu_seconds",
    "simulator_cpu_seconds",
    "requests",
    "minimum_requests",
    "requests_over_minimum",
    "retries",
)


def _suite(tmp_path: Path, *, with_dbt: bool) -> dict[str, Any]:
    report = run_suite("quick", size=TINY, workdir=tmp_path / "work", with_dbt=with_dbt)
    path = write_report(report, tmp_path / "results" / "bench.json")
    return dict(json.loads(path.read_text()))


def _assert_figures(report: dict[str, Any]) -> None:
    assert report["machine"]["cpu_count"] >= 1
    assert report["machine"]["memory_gb"] > 0
    assert set(report["runs"]) == set(RUNS)
    for name, run in report["runs"].items():
        missing = [figure for figure in FIGURES if run.get(figure) is None]
        assert not missing, f"{name} lacks {missing}"
        assert run["rows"] > 0 and run["wall_seconds"] > 0 and run["peak_rss_mb"] > 0, name
        assert run["requests"] >= run["minimum_requests"] > 0, name
        assert run["retries"] == 0, name
        if SCHEDULER_STATISTICS:
            assert run["simulator_waited_for_a_core_seconds"] >= 0, name
        # the CPU timeline beside the simulator's covers the run, and its split adds up to it
        assert run["timeline"], name
        covered = run["timeline"][-1][0]
        assert abs(covered - run["wall_seconds"]) < SAMPLE_SECONDS, name
        assert sum(run["time_split"].values()) == pytest.approx(covered, abs=0.05), name
        if name.startswith("ours"):  # dlt's steps, summed over the run's loads
            steps = run["reported"]["step_seconds"]
            assert list(steps) == list(STEPS) and all(s >= 0 for s in steps.values()), name
    assert set(TARGETS) <= set(report["ratios"])
    assert all(isinstance(value, float) for value in report["ratios"].values())
    assert all(isinstance(target["met"], bool) for target in report["targets"].values())


def test_peer_and_ours_load_the_same_sums_and_every_figure_is_reported(tmp_path: Path) -> None:
    report = _suite(tmp_path, with_dbt=False)

    _assert_figures(report)
    sums = report["sums"]
    assert sums["equal"], sums["verdict"]
    assert sums["peer"] == sums["ours"] == sums["ours_2"] == sums["ledger"]
    assert sums["ours"]["cost_rows"] > 0 and sums["ours"]["amount_usd"] != "0"
    assert report["sums_after_incremental"]["equal"]
    # the floor reads exactly the minimum: it is the yardstick the others are held to
    for floor in ("floor", "floor_2"):
        assert report["runs"][floor]["requests"] == report["runs"][floor]["minimum_requests"]
    assert report["dbt"] == {}
    # ours / floor is the median of the turns, each run of ours against the floor's before it
    turns = report["backfill_turns"]
    assert [(t["floor"], t["ours"]) for t in turns] == [("floor", "ours"), ("floor_2", "ours_2")]
    half = 0.0005  # the walls and the ratio are reported to the millisecond and to 3 decimals
    for turn in turns:
        ours, floor = (report["runs"][turn[side]]["wall_seconds"] for side in ("ours", "floor"))
        # what the unrounded walls allow: a floor of half a second moves it by ~0.004
        low = (ours - half) / (floor + half) - half
        high = (ours + half) / (floor - half) + half
        assert low <= turn["ours_over_floor"] <= high, (turn, ours, floor)
    assert "ours_over_floor" in table(report)
    assert "ours / floor turn by turn: " in table(report)
    assert "; dlt's steps: extract" in table(report)


def test_time_split_tells_waiting_on_the_simulator_from_work_of_the_run_alone() -> None:
    # (seconds into the run, run's cores, simulator's cores) at the end of each interval
    timeline = [(0.5, 0.1, 1.0), (1.0, 0.2, 0.9), (1.5, 1.1, 0.6), (2.0, 0.9, 1.0), (3.0, 1.9, 0.0)]

    assert time_split(timeline) == {
        "waiting_on_simulator": 1.0,
        "both_working": 1.0,
        "simulator_idle": 1.0,
    }
    assert time_split([]) == dict.fromkeys(time_split(timeline), 0.0)


@pytest.mark.skipif(not SCHEDULER_STATISTICS, reason="needs Linux's scheduler statistics")
def test_the_wait_for_a_core_is_read_from_the_scheduler() -> None:
    # one busy process more than this process may use cores: some of them wait for a core
    cores = len(os.sched_getaffinity(0))
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(cores + 1)]
    try:
        started = time.monotonic()
        time.sleep(0.5)
        waited = [waited_for_a_core_seconds(process.pid) for process in busy]
        elapsed = time.monotonic() - started
    finally:
        for process in busy:
            process.kill()
            process.wait()

    assert all(seconds is not None for seconds in waited)
    assert sum(waited) > 0  # type: ignore[arg-type]
    # a process waits at most as long as it has lived (start-up included: a second is plenty)
    assert all(seconds <= elapsed + 1 for seconds in waited)  # type: ignore[operator]
    own = waited_for_a_core_seconds()
    assert own is not None and own >= 0
    assert waited_for_a_core_seconds(busy[0].pid) is None  # gone: nothing to report


@pytest.mark.slow
def test_quick_mode_with_dbt_reports_both_builds(tmp_path: Path) -> None:
    report = _suite(tmp_path, with_dbt=True)

    _assert_figures(report)
    assert report["sums"]["equal"]
    for build in ("backfill", "incremental"):
        assert report["dbt"][build]["ok"], report["dbt"][build]
        assert report["dbt"][build]["wall_seconds"] > 0


def _run(name: str, wall: float) -> Run:
    return Run(name, Measured(wall, wall, 100.0, 50.0), RequestLog({"model_costs": 1}, 0), 1.0, 10)


def test_ours_over_floor_is_the_median_of_the_turns_not_the_better_run_of_each() -> None:
    walls = {"floor": 10.0, "ours": 12.0, "floor_2": 8.0, "ours_2": 12.0, "floor_3": 12.0}
    walls["ours_3"] = 13.0
    runs = {name: _run(name, wall) for name, wall in walls.items()}

    figures = ratios(runs, turns=3)

    # turn by turn: 1.2, 1.5, 1.083; the better run of each side would say 12 / 8
    assert figures["ours_over_floor"] == 1.2
    assert figures["ours_over_floor_best_runs"] == 1.5
    assert [t["ours_over_floor"] for t in turn_figures(runs, 3)] == [1.2, 1.5, 1.083]
    # a turn whose run of ours did not run is left out, not paired with another turn's floor
    del runs["ours_3"]
    assert ratios(runs, turns=3)["ours_over_floor"] == 1.35
    assert len(turn_figures(runs, 3)) == 2


def test_the_simulator_is_warmed_by_a_balance_left_out_of_the_request_log() -> None:
    spec = AccountSpec(n_keys=2, n_models=2, first_day=NOW.date() - timedelta(days=30), now=NOW)
    with SimulatorProcess(spec) as sim:
        sim.warm_up()
        assert sim.take_requests() == RequestLog({}, 0)  # not counted against the first run

        sim.api_key = "sk_not_the_key"  # the warm-up asks the API: a refused one says so
        with pytest.raises(RuntimeError, match="/balance answered HTTP 401"):
            sim.warm_up()


def test_a_size_names_only_builds_the_suite_knows() -> None:
    assert SIZES["quick"].dbt_builds == ("backfill",)
    assert SIZES["full"].dbt_builds == ("backfill", "incremental")
    with pytest.raises(ValueError, match="dbt_builds: unknown \\['daily'\\]"):
        Size(keys=1, models=1, backfill_days=1, short_days=1, dbt_builds=("daily",))
