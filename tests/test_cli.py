"""The command line as a user meets it: help, and one-line errors for what they typed wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_the_subcommands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "simulate" in result.stdout


def test_an_unknown_subcommand_is_one_line_naming_it() -> None:
    result = run_cli("frobnicate")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "frobnicate" in lines[0] and "--help" in lines[0]


def test_an_unknown_option_is_one_line_naming_it() -> None:
    result = run_cli("simulate", "--no-such-option")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--no-such-option" in lines[0]


def _defaults_applied(cwd: Path, home: Path) -> dict[str, str]:
    script = (
        "import json, os; from pipelines.cli import apply_dlt_defaults; apply_dlt_defaults();"
        " print(json.dumps({k: v for k, v in os.environ.items()"
        " if k.startswith(('RUNTIME__', 'NORMALIZE__'))}))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RUNTIME__", "NORMALIZE__"))
    }
    env.update(HOME=str(home), PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_outside_a_checkout_the_command_keeps_the_committed_dlt_settings(tmp_path: Path) -> None:
    """An installed package runs without the repo's .dlt/config.toml: the settings it commits
    (no telemetry to dltHub among them) still hold, and what a user configures wins."""
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _defaults_applied(empty, tmp_path) == {
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "RUNTIME__LOG_LEVEL": "WARNING",
        "NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION": "true",
    }

    configured = tmp_path / "configured"
    (configured / ".dlt").mkdir(parents=True)
    (configured / ".dlt" / "config.toml").write_text('[runtime]\nlog_level = "INFO"\n')
    assert "RUNTIME__LOG_LEVEL" not in _defaults_applied(configured, tmp_path)

    # the checkout's own .dlt/config.toml sets all of them: nothing to add
    assert _defaults_applied(REPO, tmp_path) == {}


def test_bench_paths_that_cannot_be_used_are_one_line_before_anything_runs(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    cases = {
        ("--workdir", str(a_file)): "--workdir",
        ("--workdir", str(a_file / "under")): "--workdir",
        ("--output", str(tmp_path)): "is a folder; name the JSON file",
        ("--output", str(a_file / "bench.json")): "the folder of --output",
    }
    for args, says in cases.items():
        result = run_cli("bench", "--quick", *args)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, result.stderr)
        assert lines[0].startswith("atlas-billing bench: error: ") and says in lines[0], lines
        assert "simulator" not in result.stdout  # nothing started
    assert a_file.read_text() == "not a folder"


def test_report_on_a_file_it_cannot_open_is_one_line(tmp_path: Path) -> None:
    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("not a database")
    locked = tmp_path / "busy.duckdb"
    cases = {
        str(tmp_path / "missing.duckdb"): "no DuckDB file at",
        str(not_duckdb): "not a valid DuckDB database file",
        str(locked): "another process has it open",
    }
    with duckdb.connect(str(locked)):  # a writer holds the file, as a run would
        for path, says in cases.items():
            result = run_cli("report", "--duckdb-path", path)
            assert result.returncode == 2, (path, result.stderr)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, (path, result.stderr)
            assert lines[0].startswith("atlas-billing report: error: ") and says in lines[0], lines
    assert not_duckdb.read_text() == "not a database"
