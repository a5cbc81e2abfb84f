"""The project's timestamps are UTC whatever time zone the dbt session runs in: a dbt project
that builds on this one with a profile of its own may leave DuckDB's TimeZone at the machine's,
under which DuckDB casts the loaded TIMESTAMP WITH TIME ZONE columns to local time."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, timedelta
from pathlib import Path

import duckdb
from dbt_support import NOW, load_daily

from pipelines.transform import DBT_PROJECT_DIR
from simulator import AccountConfig

CONFIG = AccountConfig(seed=13, n_keys=2, n_models=3, first_day=NOW.date() - timedelta(days=10))
STAGED = {  # staging model -> (raw table, timestamp column)
    "stg_atlas_billing__balance_snapshots": ("balance_snapshots", "snapshot_at"),
    "stg_atlas_billing__balance_cost_observations": ("balance_cost_observations", "snapshot_at"),
    "stg_atlas_billing__model_costs": ("model_costs", "covered_until"),
    "stg_atlas_billing__model_usage": ("model_usage", "covered_until"),
    "stg_atlas_billing__daily_cost_totals": ("daily_cost_totals", "covered_until"),
}


def test_staged_timestamps_are_utc_under_a_profile_in_another_time_zone(tmp_path: Path) -> None:
    account = load_daily(CONFIG, tmp_path / "account", runs=2)
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "atlas_billing:\n"
        "  target: own\n"
        "  outputs:\n"
        "    own:\n"
        "      type: duckdb\n"
        f"      path: {account.db}\n"
        "      schema: own_models\n"
        "      settings:\n"
        "        TimeZone: America/New_York\n"
    )

    # dbt in a process of its own, as a project building on this one runs it: DuckDB then
    # holds no connection of its in this process
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(profiles),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--select",
            *STAGED,
            "--indirect-selection",  # not the marts' tests of a staging model
            "cautious",
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(account.db), read_only=True) as con:
        con.execute("SET TimeZone = 'America/New_York'")  # the staging models are views
        for model, (table, column) in STAGED.items():
            raw = {
                value.astimezone(UTC).replace(tzinfo=None)
                for (value,) in con.execute(
                    f"select {column} from atlas_billing.{table}"
                ).fetchall()
                if value is not None
            }
            staged = {
                value
                for (value,) in con.execute(f"select {column} from own_models.{model}").fetchall()
                if value is not None
            }
            assert raw and staged == raw, model
