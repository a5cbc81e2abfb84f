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

import dlt
import pytest
from pipeline_support import NOW, Served, account, run_command, snapshot, table_rows

from sources.atlas_billing import atlas_billing_source

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


def test_a_schema_write_cut_short_by_a_kill_does_not_stop_the_next_run(
    serve: Callable[..., Served],
) -> None:
    # dlt writes a schema to a temporary file named by 16 hex digits, then renames it: a kill in
    # between leaves that file in the schemas folder, where dlt takes it for a schema of that
    # name. Dropping the killed run's unfinished load then failed on it (FileNotFoundError).
    served = serve(account(first_day=TODAY - timedelta(days=60)))
    clean_db = served.tmp_path / "clean.duckdb"
    served.load(duckdb_path=clean_db, pipelines_dir=served.tmp_path / "clean_pipelines")
    served.monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", served.sim.keys.admin)
    pipeline = dlt.pipeline(
        "atlas_billing",
        destination=dlt.destinations.duckdb(str(served.db)),
        dataset_name="atlas_billing",
        pipelines_dir=str(served.pipelines_dir),
    )
    source = atlas_billing_source(
        base_url=served.base_url, start_date=served.sim.config.first_day.isoformat()
    )
    pipeline.extract(source.with_resources("models"))  # the unfinished load a kill leaves
    assert pipeline.has_pending_data
    (Path(pipeline.working_dir) / "schemas" / "16048a725f3521da").touch()

    served.load()

    assert snapshot(served.db) == snapshot(clean_db)
    assert not (Path(pipeline.working_dir) / "schemas" / "16048a725f3521da").exists()
