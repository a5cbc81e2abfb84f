"""`atlas-billing simulate` serves the account on 127.0.0.1 and tells the user how to reach it."""

from __future__ import annotations

import email.utils
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from pipelines.cli import main


def start_simulate(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "simulate", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    printed: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Ctrl-C"):
            break
        name, _, value = line.partition(":")
        printed[name.strip()] = value.strip().split("  ")[0]
    return process, printed


def test_simulate_serves_on_loopback_and_prints_url_and_keys(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    process, printed = start_simulate(
        "--seed",
        "3",
        "--keys",
        "4",
        "--models",
        "5",
        "--days",
        "60",
        "--now",
        "2026-05-10T15:30:00Z",
        "--frozen-clock",
        "--export-ledger",
        str(ledger),
    )
    try:
        base_url = printed["base URL"]
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/public/v1")
        admin = printed["admin API key"]
        assert admin.startswith("apikey-")
        response = httpx.get(f"{base_url}/balance", headers={"Authorization": f"Bearer {admin}"})
        assert response.status_code == 200
        assert email.utils.parsedate_to_datetime(response.headers["date"]) == datetime(
            2026, 5, 10, 15, 30, tzinfo=UTC
        )
        self_only = printed["self-only API key"]
        denied = httpx.get(f"{base_url}/balance", headers={"Authorization": f"Bearer {self_only}"})
        assert denied.status_code == 403
        assert ledger.read_text().startswith("lot_id,purchased_at,kind,amount_usd,expires_at")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    assert process.returncode in (0, 130)


def test_a_bad_fault_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--port", "0", "--fault", "teapot=0.5"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "teapot" in lines[0]


BAD_OPTIONS = [
    ("nan_rate", ("--fault", "429=nan"), "fault rates must be >= 0"),
    ("rates_over_1", ("--fault", "429=0.7", "--fault", "500=0.5"), "sum to at most 1"),
    ("negative_latency", ("--latency-ms", "-5"), "latency_ms must be a number, 0 or more"),
    ("nan_latency", ("--latency-ms", "nan"), "latency_ms must be a number, 0 or more"),
    ("negative_jitter", ("--jitter-ms", "-1"), "jitter_ms must be a number, 0 or more"),
    ("endless_rate_limit", ("--rate-limit-per-s", "inf"), "rate_limit_per_s must be positive"),
    ("no_burst", ("--rate-limit-burst", "0"), "rate_limit_burst must be 1 or more"),
    (
        "negative_other_spend",
        ("--other-spend-usd-per-day", "-0.5"),
        "must be a number of dollars, 0 or more",
    ),
    (
        "ledger_in_a_file",
        ("--export-ledger", "{tmp}/a-file/ledger.csv"),
        "cannot write --export-ledger",
    ),
]
"""(id, options, what the one error line says)"""


@pytest.mark.parametrize(
    ("args", "says"), [case[1:] for case in BAD_OPTIONS], ids=[case[0] for case in BAD_OPTIONS]
)
def test_options_the_simulator_cannot_serve_are_one_line(
    args: tuple[str, ...], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    filled = [arg.format(tmp=tmp_path) for arg in args]

    assert main(["simulate", "--port", "0", *filled]) == 2

    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], captured.err
    assert "base URL" not in captured.out  # it never served
