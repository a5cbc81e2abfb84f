"""`atlas-billing run` as a user meets it: progress and a summary when it works, one clear line
and a non-zero exit when the input or the key is wrong, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from pipeline_support import NOW, Served, account, query

from pipelines.cli import main
from sources.atlas_billing.errors import ConfigurationError

TODAY = NOW.date()


@pytest.fixture
def served(serve: Callable[..., Served], monkeypatch: pytest.MonkeyPatch) -> Served:
    """A small account, with the command run from an empty directory (no .dlt/ of the repo)."""
    served = serve(account(n_keys=4, first_day=TODAY - timedelta(days=20)))
    monkeypatch.chdir(served.tmp_path)
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", served.sim.keys.admin)
    return served


def run(served: Served, *args: str) -> list[str]:
    return [
        "run",
        "--base-url",
        served.base_url,
        "--pipelines-dir",
        str(served.pipelines_dir),
        "--no-dbt",
        *args,
    ]


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("atlas-billing run: error:")]
    assert len(errors) == 1, err
    assert not any("Traceback" in line for line in err)
    return errors[0]


def test_a_run_prints_progress_and_a_summary_and_exits_0(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(run(served, "--start-date", str(served.sim.config.first_day)))

    out = capsys.readouterr().out
    assert code == 0
    assert "model_costs: read" in out and "load 1 committed" in out
    assert "balance snapshot" in out
    assert "requests, 0 retries" in out
    rows = served.sim.ledger.model_costs(served.sim.config.first_day, TODAY + timedelta(1))
    assert f"model_costs: {len(rows)} rows" in out
    # the default file in the working directory
    assert (served.tmp_path / "atlas.duckdb").exists()
    assert query(
        served.tmp_path / "atlas.duckdb", "select count(*) from atlas_billing.balance_snapshots"
    ) == [(1,)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--start-date", "2025-13-01"],
            "start_date must be a date as YYYY-MM-DD, got '2025-13-01'",
        ),
        (
            ["--start-date", "2026-05-20"],
            "start_date 2026-05-20 is in the future: the API's today is 2026-05-10",
        ),
        (
            ["--start-date", "2026-05-01", "--end-date", "2026-04-01"],
            "end_date 2026-04-01 must be after start_date 2026-05-01",
        ),
        (
            ["--start-date", "2026-05-01", "--scope", "team"],
            "scope must be one of account, self, got 'team'",
        ),
        (
            ["--start-date", "2026-05-01", "--grain", "model,day"],
            "grain must be one of model,api_key, model, api_key, model_type, got 'model,day'",
        ),
        ([], "start_date is required for the first run"),
    ],
    ids=[
        "malformed_start",
        "future_start",
        "end_before_start",
        "unknown_scope",
        "unknown_grain",
        "no_start",
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    served: Served, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code = main(run(served, *args))

    assert code == 2
    assert expected in one_error_line(capsys)


def test_a_future_start_is_judged_by_the_servers_clock_not_the_local_one(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    # the simulated clock is behind this machine's, so locally 2026-05-20 may be in the past
    served.sim.clock.set(NOW.replace(month=5, day=25))
    assert main(run(served, "--start-date", "2026-05-20", "--no-balance")) == 0
    served.sim.clock.set(NOW)


def test_a_missing_key_says_where_to_put_one(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCES__ATLAS_BILLING__API_KEY")

    assert main(run(served, "--start-date", "2026-05-01")) == 2

    line = one_error_line(capsys)
    assert "no API key" in line and "SOURCES__ATLAS_BILLING__API_KEY" in line
    assert served.sim.requests == []


def test_a_key_that_is_not_a_secret_is_refused_without_echoing_it(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    public_id = served.sim.account.key_ids[0]
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", public_id)

    assert main(run(served, "--start-date", "2026-05-01")) == 2

    line = one_error_line(capsys)
    assert "must be an Atlas Cloud API key secret starting with 'apikey-'" in line
    assert public_id not in line
    assert served.sim.requests == []


def test_a_rejected_key_is_a_401_message_with_the_request_id(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", "apikey-revoked-0123456789")

    assert main(run(served, "--start-date", "2026-05-01")) == 2

    line = one_error_line(capsys)
    assert "the API rejected the API key" in line
    assert "status=401" in line and "code=invalid_api_key" in line
    assert f"request_id={served.sim.requests[-1].request_id}" in line
    assert "apikey-revoked-0123456789" not in line


def test_a_key_without_the_account_role_is_told_to_try_scope_self(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", served.sim.keys.self_only)

    assert main(run(served, "--start-date", "2026-05-01")) == 2

    line = one_error_line(capsys)
    assert "scope=account needs a key with the account-level model billing read permission" in line
    assert "try scope=self" in line and "status=403" in line and "request_id=req_" in line


def test_a_key_without_balance_permission_is_told_what_is_needed(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", served.sim.keys.self_only)

    assert main(run(served, "--start-date", "2026-05-01", "--scope", "self")) == 2

    line = one_error_line(capsys)
    assert "/balance needs a key with the account balance read permission" in line
    assert "endpoint=/balance" in line and "status=403" in line
    # the days are in: only the snapshot, in a load of its own, failed
    assert query(served.db, "select count(*) from atlas_billing.model_costs")[0][0] > 0


def test_scope_self_without_balance_loads_only_the_keys_own_usage(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", served.sim.keys.self_only)

    code = main(run(served, "--start-date", "2026-05-01", "--scope", "self", "--no-balance"))

    assert code == 0
    keys = {
        k
        for (k,) in query(
            served.tmp_path / "atlas.duckdb",
            "select distinct api_key_id from atlas_billing.model_costs",
        )
    }
    assert keys == set(served.sim.keys.self_only_key_ids)
    own = served.sim.ledger.model_costs(
        TODAY.replace(day=1), TODAY + timedelta(1), scope="self", user="member"
    )
    (total,) = query(
        served.tmp_path / "atlas.duckdb", "select sum(amount_usd) from atlas_billing.model_costs"
    )[0]
    assert total == sum(row["amount_usd"] for row in own)
    scopes = query(
        served.tmp_path / "atlas.duckdb", "select distinct scope from atlas_billing.model_costs"
    )
    assert scopes == [("self",)]


def test_a_filter_the_api_would_reject_is_refused_before_any_request(served: Served) -> None:
    # (a 400 from the API naming its code and param: tests/source/test_client.py)
    with pytest.raises(ConfigurationError) as raised:
        served.load(source_options={"api_key_ids": ["key-1"]})

    assert "api_key_ids takes API key public ids starting with 'ak_'" in str(raised.value)
    assert served.sim.requests == []


def test_a_locked_duckdb_file_is_one_line(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    db = served.tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r});"
            " print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        code = main(run(served, "--start-date", "2026-05-01", "--duckdb-path", str(db)))
    finally:
        holder.kill()
        holder.wait()

    assert code == 2
    line = one_error_line(capsys)
    assert f"cannot open DuckDB file {db}" in line and "lock" in line
    assert served.sim.requests == []


def test_a_duckdb_file_named_like_the_dataset_is_refused(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Path(served.tmp_path) / "atlas_billing.duckdb"

    assert main(run(served, "--start-date", "2026-05-01", "--duckdb-path", str(db))) == 2

    assert "is named like the dataset 'atlas_billing'" in one_error_line(capsys)


def test_a_relative_duckdb_path_is_the_file_in_the_directory_the_run_starts_in(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # dlt resolves a relative DuckDB path against the directory of the pipeline's first run: the
    # same command run from elsewhere must load the file it names there, not that one
    first, second = served.tmp_path / "first", served.tmp_path / "second"
    start = (TODAY - timedelta(days=10)).isoformat()
    for where in (first, second):
        where.mkdir()
        monkeypatch.chdir(where)
        assert main(run(served, "--duckdb-path", "atlas.duckdb", "--start-date", start)) == 0
        capsys.readouterr()

    loads = [
        query(where / "atlas.duckdb", "SELECT count(*) FROM atlas_billing._dlt_loads")[0][0]
        for where in (first, second)
    ]
    assert loads == [1, 1]
