"""Bad input: everything a user can get wrong in the configuration or on the command line, and
every answer of the API that the contract rules out, ends the run with one line that names the
problem and the fix, exit code 2, no traceback, and not one row changed in the warehouse.

The cases are the table in the README's "Reliability" section; a test keeps the two in step.
Long filters are not bad input: over 100 ids are split into requests the API accepts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pipeline_support import ledger_costs, loaded_costs
from reliability_support import KEY_ENV, REPO, Tally, Workspace, everything

from pipelines.cli import main
from pipelines.transform import temporary_environment
from simulator import AccountConfig, FaultConfig, Simulator

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
CONFIG = AccountConfig(seed=7, n_keys=4, n_models=5, first_day=NOW.date() - timedelta(days=20))
FEW_ATTEMPTS = {"SOURCES__ATLAS_BILLING__MAX_ATTEMPTS": "2"}


@dataclass(frozen=True)
class Case:
    """One thing a user gets wrong, and what the run must say about it.

    `args` go after `run --base-url {base} --duckdb-path {db} --pipelines-dir {pipelines}`;
    `{base}`, `{db}`, `{root}` and `{file}` (a regular file) are filled in. `key` names the key
    in the environment: admin, self_only, public_id, newline, revoked, or None for none.
    """

    id: str
    wrong: str
    says: str
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    key: str | None = "admin"
    faults: FaultConfig | None = None
    base_url: str = "{base}"
    data_only: bool = False
    """The daily tables commit before the answer that fails (it is the balance's): identical
    data is loaded again, so only the data tables (not dlt's load records) must be unchanged."""


def fault(kind: str, endpoint: str) -> FaultConfig:
    return FaultConfig(rates={kind: 1.0}, endpoints=(endpoint,))


CONFIGURATION = [
    Case(
        "malformed_start",
        "a start date that is not a date",
        "start_date must be a date as YYYY-MM-DD, got '2025-13-01'",
        ("--start-date", "2025-13-01"),
    ),
    Case(
        "malformed_end",
        "an end date in another format",
        "end_date must be a date as YYYY-MM-DD, got '05/01/2026'",
        ("--end-date", "05/01/2026"),
    ),
    Case(
        "future_start",
        "a start date after the API's today",
        "start_date 2026-06-01 is in the future: the API's today is 2026-05-10",
        ("--start-date", "2026-06-01"),
    ),
    Case(
        "end_before_start",
        "an end date before the start date",
        "end_date 2026-04-01 must be after start_date 2026-05-01 (end_date is exclusive)",
        ("--start-date", "2026-05-01", "--end-date", "2026-04-01"),
    ),
    Case(
        "no_start",
        "no start date on the first run",
        "start_date is required for the first run (the first day to load, YYYY-MM-DD)",
        ("--duckdb-path", "{root}/first.duckdb"),
    ),
    Case(
        "start_moved_earlier",
        "a start date moved before the first load's",
        "start_date 2026-04-15 is before 2026-04-20, where the first load began; the days in"
        " between are not read by later runs: load again from start_date with a full refresh"
        " (atlas-billing run --full-refresh), or keep start_date at 2026-04-20 or later",
        ("--start-date", "2026-04-15"),
    ),
    Case(
        "unknown_scope",
        "a scope the API does not have",
        "scope must be one of account, self, got 'team'",
        ("--scope", "team"),
    ),
    Case(
        "unknown_grain",
        "a grain the API cannot group by",
        "grain must be one of model,api_key, model, api_key, model_type, got 'model,day'",
        ("--grain", "model,day"),
    ),
    Case(
        "changed_grain",
        "another grain than the warehouse was loaded with",
        "was loaded with other settings (grain 'model,api_key' -> 'model'); its rows would mix"
        " with the new ones: load it again from start_date with a full refresh",
        ("--grain", "model"),
    ),
    Case(
        "page_size_zero",
        "a page size out of range",
        "page_size must be 1..1000, got 0",
        env={"SOURCES__ATLAS_BILLING__PAGE_SIZE": "0"},
    ),
    Case(
        "page_size_text",
        "a page size that is not a number",
        "the setting page_size is not a valid int; fix it in .dlt/config.toml or in its"
        " environment variable, e.g. SOURCES__ATLAS_BILLING__PAGE_SIZE",
        env={"SOURCES__ATLAS_BILLING__PAGE_SIZE": "many"},
    ),
    Case(
        "duckdb_settings_not_json",
        "DuckDB settings in an environment variable that are not a JSON object",
        "the setting destination.duckdb.credentials.global_config is not a valid dict (an object,"
        ' e.g. {"memory_limit": "256MB"} as JSON); fix it in .dlt/config.toml or in its'
        " environment variable, e.g. DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG",
        env={"DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG": "{memory_limit: 256MB"},
    ),
    Case(
        "window_days",
        "a request window over the API's 180 days",
        "window_days must be 1..180, got 365",
        env={"SOURCES__ATLAS_BILLING__WINDOW_DAYS": "365"},
    ),
    Case(
        "negative_timeout",
        "a request timeout of zero or less",
        "request_timeout_seconds must be more than 0, got -1.0",
        env={"SOURCES__ATLAS_BILLING__REQUEST_TIMEOUT_SECONDS": "-1"},
    ),
    Case(
        "lookback",
        "a negative lookback",
        "lookback_days must be 0 or more, got -1",
        ("--lookback-days", "-1"),
    ),
    Case(
        "days_per_load",
        "zero days per load",
        "days per load must be 1 or more, got 0",
        ("--days-per-load", "0"),
    ),
    Case(
        "filter_as_text",
        "a filter written as one comma-separated string",
        'the setting model_ids is not a valid list (a list, e.g. ["a", "b"])',
        env={"SOURCES__ATLAS_BILLING__MODEL_IDS": "model-a,model-b"},
    ),
    Case(
        "filter_with_comma",
        "a filter value holding a comma",
        "model_ids holds 'model-a,model-b': give each value as its own list item",
        env={"SOURCES__ATLAS_BILLING__MODEL_IDS": '["model-a,model-b"]'},
    ),
    Case(
        "key_id_filter",
        "an API key filter that is not a public id",
        "api_key_ids takes API key public ids starting with 'ak_', got 'key-1'",
        env={"SOURCES__ATLAS_BILLING__API_KEY_IDS": '["key-1"]'},
    ),
    Case(
        "secret_in_filter",
        "an API key secret in the API key filter",
        "api_key_ids holds an API key secret; list API key public ids (ak_...) instead",
        env={"SOURCES__ATLAS_BILLING__API_KEY_IDS": '["apikey-0123456789abcdef"]'},
    ),
    Case(
        "base_url_no_scheme",
        "a base URL without https://",
        "base_url must be an https:// URL with a host (e.g. https://api.atlascloud.ai/public/v1),"
        " got 'api.atlascloud.ai/public/v1'",
        base_url="api.atlascloud.ai/public/v1",
    ),
    Case(
        "base_url_http",
        "a plain-HTTP base URL off this machine",
        "base_url 'http://api.atlascloud.ai/public/v1' is not HTTPS, so the API key would cross"
        " the network unencrypted; use https://, or if you must, set allow_insecure_base_url",
        base_url="http://api.atlascloud.ai/public/v1",
    ),
    Case(
        "base_url_credentials",
        "a base URL with a user and password",
        "base_url must not carry a user name or password; remove the 'user:password@' part",
        base_url="https://finance:hunter2@api.atlascloud.ai/public/v1",
    ),
    Case(
        "base_url_path",
        "a base URL without /public/v1",
        "the API has no such endpoint (No such endpoint.); check base_url, which should end in"
        " /public/v1",
        base_url="{base_root}",
    ),
    Case(
        "base_url_unreachable",
        "a base URL nothing answers at",
        "cannot reach the API at http://127.0.0.1:9/public/v1 (ConnectionRefusedError: [Errno 111]"
        " Connection refused); check base_url and the network",
        env=FEW_ATTEMPTS,
        base_url="http://127.0.0.1:9/public/v1",
    ),
    Case(
        "no_key",
        "no API key",
        "no API key: set SOURCES__ATLAS_BILLING__API_KEY or api_key under [sources.atlas_billing]"
        " in .dlt/secrets.toml",
        key=None,
    ),
    Case(
        "public_id_as_key",
        "a key's public id (ak_...) instead of its secret",
        "api_key must be an Atlas Cloud API key secret starting with 'apikey-' (an 'ak_...' value"
        " is a key's public id, not a secret)",
        key="public_id",
    ),
    Case(
        "key_with_newline",
        "a key with a line break (pasted from a file)",
        "api_key contains spaces, line breaks or non-ASCII characters; copy the key again exactly",
        key="newline",
    ),
    Case(
        "revoked_key",
        "a key the API does not know",
        "the API rejected the API key (Invalid API key.); set a valid key in"
        " SOURCES__ATLAS_BILLING__API_KEY",
        key="revoked",
    ),
    Case(
        "key_without_account_role",
        "a key without account-wide billing permission",
        "scope=account needs a key with the account-level model billing read permission, or try"
        " scope=self",
        key="self_only",
    ),
    Case(
        "duckdb_in_a_file",
        "a DuckDB path inside a file",
        "(Not a directory); choose a --duckdb-path in a folder that exists and is writable",
        ("--duckdb-path", "{file}/atlas.duckdb"),
    ),
    Case(
        "duckdb_missing_folder",
        "a DuckDB path in a folder that does not exist",
        "(No such file or directory); choose a --duckdb-path in a folder that exists and is"
        " writable",
        ("--duckdb-path", "{root}/no/such/folder/atlas.duckdb"),
    ),
    Case(
        "duckdb_is_a_folder",
        "a DuckDB path that is a folder",
        "Is a directory; choose a --duckdb-path where a DuckDB file can be created or opened",
        ("--duckdb-path", "{root}/pipelines"),
    ),
    Case(
        "duckdb_named_like_dataset",
        "a DuckDB file named like the dataset",
        "is named like the dataset 'atlas_billing', which DuckDB cannot tell apart; use another"
        " file name",
        ("--duckdb-path", "{root}/atlas_billing.duckdb"),
    ),
    Case(
        "pipelines_dir_in_a_file",
        "a dlt working folder inside a file",
        "cannot create --pipelines-dir",
        ("--pipelines-dir", "{file}/pipelines"),
    ),
    Case(
        "missing_ledger",
        "a purchase ledger file that does not exist",
        "--credit-ledger receipts.csv: no such file; give the path of the purchase ledger CSV",
        ("--credit-ledger", "receipts.csv"),
    ),
    Case(
        "dbt_threads",
        "zero dbt threads",
        "--dbt-threads must be 1 or more, got 0",
        ("--dbt-threads", "0"),
    ),
    Case(
        "unknown_option",
        "an option that does not exist",
        "unrecognized arguments: --since 2026-01-01 (see 'atlas-billing --help')",
        ("--since", "2026-01-01"),
    ),
]
"""Configuration and command line. Locked databases and broken config files: tests below."""

API_ANSWERS = [
    Case(
        "missing_field",
        "API: a required field missing",
        "response breaks the API contract: data[0].date is missing (endpoint=/model-costs",
        faults=fault("missing_field", "model-costs"),
    ),
    Case(
        "wrong_type",
        "API: a field of the wrong type",
        "response breaks the API contract: data[0].partial is not a boolean: 'false'"
        " (endpoint=/model-usage",
        faults=fault("wrong_type", "model-usage"),
    ),
    Case(
        "money_decimals",
        "API: money without six decimals",
        "is not six-decimal money",
        faults=fault("money_decimals", "model-costs"),
    ),
    Case(
        "has_more_no_cursor",
        "API: has_more without next_page",
        "next_page is missing although has_more is true (endpoint=/model-costs",
        faults=fault("no_cursor", "model-costs"),
    ),
    Case(
        "repeated_group",
        "API: one group twice in a day",
        "response breaks the API contract: data[0].results repeat a group of the day:",
        faults=fault("repeated_group", "model-costs"),
    ),
    Case(
        "cursor_loop",
        "API: a cursor that leads back to itself",
        "next_page repeats a cursor already followed (endpoint=/model-usage",
        faults=fault("cursor_loop", "model-usage"),
    ),
    Case(
        "not_json",
        "API: a body that is not JSON",
        "response body is not JSON (application/json) (endpoint=/model-costs, status=200",
        env=FEW_ATTEMPTS,
        faults=fault("malformed", "model-costs"),
    ),
    Case(
        "cut_short",
        "API: JSON cut short",
        "response body is not JSON (application/json) (endpoint=/model-usage, status=200",
        env=FEW_ATTEMPTS,
        faults=fault("truncated", "model-usage"),
    ),
    Case(
        "html_proxy_page",
        "a proxy's HTML error page",
        "a proxy or gateway answered HTTP 502 with an HTML page instead of the API's JSON; check"
        " base_url",
        env=FEW_ATTEMPTS,
        faults=fault("html", "model-costs"),
    ),
    Case(
        "balance_missing_value",
        "API: a balance without its value",
        "response breaks the API contract: available.value is missing (endpoint=/balance",
        faults=fault("missing_field", "balance"),
        data_only=True,
    ),
    Case(
        "balance_wrong_type",
        "API: a balance of the wrong type",
        "response breaks the API contract: available is not a money object (endpoint=/balance",
        faults=fault("wrong_type", "balance"),
        data_only=True,
    ),
]
"""Answers the contract rules out. Every contract violation ends with the same advice: the run
stops rather than load a guess: run again later, and if it persists, report the request_id."""

CASES = CONFIGURATION + API_ANSWERS


@dataclass
class Account:
    """The simulated account every case runs against, and a warehouse loaded from it."""

    sim: Simulator
    base_url: str
    template: Path


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    root = tmp_path_factory.mktemp("loaded")
    sim = Simulator(CONFIG, now=NOW)
    with sim.serve() as server, temporary_environment({KEY_ENV: sim.keys.admin}):
        args = ["run", "--base-url", server.base_url, "--start-date", str(CONFIG.first_day)]
        args += ["--no-dbt"]  # every case fails before dbt would run
        args += ["--duckdb-path", str(root / "atlas.duckdb")]
        assert main([*args, "--pipelines-dir", str(root / "pipelines")]) == 0
        yield Account(sim, server.base_url, root / "atlas.duckdb")


def key_for(account: Account, name: str | None) -> str | None:
    keys = account.sim.keys
    return {
        None: None,
        "admin": keys.admin,
        "self_only": keys.self_only,
        "public_id": account.sim.account.key_ids[0],
        "newline": keys.admin + "\n",
        "revoked": "apikey-" + "0" * 40,
    }[name]


def command(case: Case, account: Account, ws: Workspace) -> list[str]:
    (ws.root / "a-file").write_text("not a folder")
    values = {
        "base": account.base_url,
        "base_root": account.base_url.removesuffix("/public/v1"),
        "db": str(ws.db),
        "root": str(ws.root),
        "file": str(ws.root / "a-file"),
    }
    return [
        "run",
        "--base-url",
        case.base_url.format(**values),
        "--duckdb-path",
        str(ws.db),
        "--pipelines-dir",
        str(ws.pipelines_dir),
        *(arg.format(**values) for arg in case.args),
    ]


def data_tables(tables: dict[str, list[object]]) -> dict[str, list[object]]:
    """The tables a user reads: not dlt's load records, nor its staging copies."""
    return {
        name: rows
        for name, rows in tables.items()
        if "._dlt_" not in name and not name.startswith("atlas_billing_staging.")
    }


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_one_line_naming_the_fix_and_changes_nothing(
    case: Case, account: Account, workspace: Workspace, tally: Tally
) -> None:
    shutil.copyfile(account.template, workspace.db)
    before = everything(workspace.db)
    account.sim.faults = case.faults or FaultConfig()
    try:
        with tally.attempt("bad inputs", label="api answer" if case.faults else "config/cli"):
            outcome = workspace.cli(
                *command(case, account, workspace), key=key_for(account, case.key), env=case.env
            )

            line = outcome.one_error_line()
            assert line.startswith(("atlas-billing run: error: ", "atlas-billing: error: "))
            assert case.says in line
            assert "Traceback" not in outcome.out
            after = everything(workspace.db)
            if case.data_only:
                assert data_tables(after) == data_tables(before)
            else:
                assert after == before
            assert (
                not (workspace.root / "first.duckdb").exists()
                or everything(workspace.root / "first.duckdb") == {}
            )
            if "hunter2" in case.base_url:
                assert "hunter2" not in outcome.out + outcome.err
    finally:
        account.sim.faults = FaultConfig()


def test_a_locked_database_is_one_line_and_changes_nothing(
    account: Account, workspace: Workspace, tally: Tally
) -> None:
    shutil.copyfile(account.template, workspace.db)
    before = everything(workspace.db)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(workspace.db)!r});"
            " print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    with tally.attempt("bad inputs", label="config/cli"):
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
            outcome = workspace.cli(
                *workspace.run_args(account.base_url), key=account.sim.keys.admin
            )
        finally:
            holder.kill()
            holder.wait()

        line = outcome.one_error_line()
        assert f"cannot open DuckDB file {workspace.db}: IO Error: Could not set lock" in line
        assert line.endswith("another process has it open: wait for it to finish, or close it")
        assert everything(workspace.db) == before


def test_a_broken_config_file_is_one_line_and_changes_nothing(
    account: Account, workspace: Workspace, tally: Tally
) -> None:
    shutil.copyfile(account.template, workspace.db)
    before = everything(workspace.db)
    (workspace.root / ".dlt").mkdir()
    (workspace.root / ".dlt" / "config.toml").write_text("[sources.atlas_billing\npage_size = 10\n")

    with tally.attempt("bad inputs", label="config/cli"):
        # in a process of its own: dlt reads the config files once per process
        outcome = workspace.finish(
            workspace.start(*workspace.run_args(account.base_url), key=account.sim.keys.admin)
        )

        line = outcome.one_error_line()
        assert "A problem encountered when loading config.toml" in line
        assert line.endswith(
            "; fix the configuration (.dlt/config.toml, .dlt/secrets.toml, environment)"
        )
        assert everything(workspace.db) == before


def test_filters_over_100_ids_are_batched_and_load_exactly_the_filtered_rows(
    account: Account, workspace: Workspace
) -> None:
    sim = account.sim
    models = [m.name for m in sim.account.models][:3] + [f"no-such-model-{i}" for i in range(147)]
    keys = list(sim.account.key_ids)[:2] + [f"ak_unknown{i:04d}" for i in range(118)]
    first = len(sim.requests)

    outcome = workspace.cli(
        *workspace.run_args(account.base_url, "--start-date", str(CONFIG.first_day), "--no-dbt"),
        key=sim.keys.admin,
        env={
            "SOURCES__ATLAS_BILLING__MODEL_IDS": json.dumps(models),
            "SOURCES__ATLAS_BILLING__API_KEY_IDS": json.dumps(keys),
        },
    )

    assert outcome.code == 0, outcome.err
    wanted = {
        k: v
        for k, v in ledger_costs(sim, CONFIG.first_day, NOW.date() + timedelta(1)).items()
        if k[1] in models and k[2] in keys
    }
    assert wanted and loaded_costs(workspace.db) == wanted
    requests = [r for r in sim.requests[first:] if r.path.endswith("/model-costs")]
    for request in requests:
        names = [name for name, _ in request.query]
        assert names.count("model_ids[]") <= 100 and names.count("api_key_ids[]") <= 100
    asked = {value for r in requests for name, value in r.query if name == "model_ids[]"}
    assert asked == set(models)


def test_the_readme_table_lists_every_case() -> None:
    readme = (REPO / "README.md").read_text()
    assert "## Reliability" in readme
    section = readme.split("## Reliability", 1)[1].split("\n## ", 1)[0]
    missing = [case.id for case in CASES if case.says not in section]
    assert missing == []
