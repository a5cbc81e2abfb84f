"""The API key never leaves the environment it came from: not in output, logs, dlt's state,
trace or working files, nor anywhere in the warehouse, whether the run works or fails."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from dlt.common.versioned_state import decompress_state
from pipeline_support import NOW, Served, account, columns, query, run_command

TODAY = NOW.date()


def cli_run(served: Served, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SOURCES__ATLAS_BILLING__API_KEY": key,
        # the most talkative logging dlt has: nothing it logs may hold the key either
        "RUNTIME__LOG_LEVEL": "DEBUG",
    }
    return subprocess.run(
        [
            *run_command(
                served.base_url, served.sim.config.first_day, served.db, served.pipelines_dir
            ),
            "--no-dbt",
            *args,
        ],
        cwd=served.tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def files_containing(root: Path, secret: str) -> list[Path]:
    return [
        path for path in root.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()
    ]


def test_the_key_is_nowhere_after_runs_that_work_and_runs_that_fail(
    serve: Callable[..., Served],
) -> None:
    served = serve(account(first_day=TODAY - timedelta(days=30)))
    admin, self_only = served.sim.keys.admin, served.sim.keys.self_only
    wrong = "apikey-" + "0" * 40

    runs = [
        cli_run(served, admin),
        cli_run(served, wrong),  # 401
        cli_run(served, self_only),  # 403 on scope=account
        cli_run(served, self_only, "--scope", "self"),  # 403 on /balance
    ]

    assert [r.returncode for r in runs] == [0, 2, 2, 2], [r.stderr[-2000:] for r in runs]
    for secret in (admin, self_only, wrong):
        for result in runs:
            assert secret not in result.stdout and secret not in result.stderr
        assert files_containing(served.pipelines_dir, secret) == []
        assert files_containing(served.tmp_path, secret) == []
    # dlt keeps the pipeline state compressed in the warehouse: look inside it as well
    states = query(served.db, "select state from atlas_billing._dlt_pipeline_state")
    assert states
    for (state,) in states:
        text = str(decompress_state(state))
        assert admin not in text and self_only not in text
    for table in (
        "model_costs",
        "model_usage",
        "daily_cost_totals",
        "models",
        "balance_snapshots",
        "_dlt_loads",
        "_dlt_version",
    ):
        names = columns(served.db, table)
        for (row,) in query(
            served.db,
            f"select concat_ws('|', {', '.join(f'cast({n} as varchar)' for n in names)})"
            f" from atlas_billing.{table}",
        ):
            assert admin not in row and self_only not in row
