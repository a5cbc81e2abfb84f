"""A backfill killed with SIGKILL goes on from its last committed load when started again, and
ends with exactly the tables of a run that was never interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from pipeline_support import NOW, Served, account, run_command, snapshot, table_rows

TODAY = NOW.date()
DAYS_PER_LOAD = 60


def start_run(served: Served, db: Path, pipelines_dir: Path) -> subprocess.Popen[str]:
    """`atlas-billing run` in its own process, the key in its environment."""
    env = {**os.environ, "SOURCES__ATLAS_BILLING__API_KEY": served.sim.keys.admin}
    return subprocess.Popen(
        [
            *run_command(served.base_url, served.sim.config.first_day, db, pipelines_dir),
            "--days-per-load",
            str(DAYS_PER_LOAD),
            "--no-dbt",
        ],
        cwd=served.tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize(
    "delay_s",
    [0.0, pytest.param(0.6, marks=pytest.mark.slow)],
    ids=["at_commit", "mid_next_load"],
)
def test_a_killed_backfill_resumes_and_ends_like_a_clean_run(
    serve: Callable[..., Served], delay_s: float
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=250)))
    clean_db = served.tmp_path / "clean.duckdb"
    served.load(duckdb_path=clean_db, pipelines_dir=served.tmp_path / "clean_pipelines")
    db, pipelines_dir = served.tmp_path / "resumed.duckdb", served.tmp_path / "pipelines"

    killed = start_run(served, db, pipelines_dir)
    assert killed.stdout is not None
    seen = []
    for line in killed.stdout:
        seen.append(line)
        if line.startswith("load 1 committed"):
            break
    time.sleep(delay_s)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert killed.returncode == -signal.SIGKILL, "".join(seen)

    # the first load is in; no balance snapshot, which only a finished run takes
    first_load = table_rows(db, "daily_cost_totals")
    assert 0 < len(first_load) < len(table_rows(clean_db, "daily_cost_totals"))
    assert table_rows(db, "balance_snapshots") == []

    resumed = start_run(served, db, pipelines_dir)
    out, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, out

    assert snapshot(db) == snapshot(clean_db)
    # it went on from where the kill left it, not from the first day
    assert f"(days {served.sim.config.first_day}.." not in out
