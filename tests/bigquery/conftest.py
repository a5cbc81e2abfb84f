"""The BigQuery emulator for the BigQuery tests: one per test session, started by
`.ci/bigquery-emulator` unless BIGQUERY_EMULATOR_HOST already names one (as in CI).

If it cannot be installed or started, every BigQuery test fails with the script's message;
none is skipped.
"""

from __future__ import annotations

import os

# google-auth probes the GCE metadata server (a non-loopback address) when it looks for default
# credentials; these tests must only talk to 127.0.0.1. Read when google.auth is first imported,
# so set before anything below imports it.
os.environ.setdefault("NO_GCE_CHECK", "true")
os.environ.setdefault("GCE_METADATA_HOST", "127.0.0.1:9")
os.environ.setdefault("GCE_METADATA_IP", "127.0.0.1:9")

from collections.abc import Iterator

import pytest
from bigquery_support import (
    DEFAULT_PROJECT,
    ENDPOINT_ENV,
    PROJECT_ENV,
    BigQueryEmulator,
    read_state,
    run_script,
)


@pytest.fixture(scope="session")
def bigquery_emulator(request: pytest.FixtureRequest) -> Iterator[BigQueryEmulator]:
    """A running emulator; started (and stopped afterwards) here when none is given."""
    if endpoint := os.environ.get(ENDPOINT_ENV):
        yield BigQueryEmulator(endpoint, os.environ.get(PROJECT_ENV, DEFAULT_PROJECT))
        return
    # Each xdist worker owns its emulator, so no worker stops one another still uses.
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    instance = f"pytest-{worker}" if worker else None
    already_running = run_script("status", instance).returncode == 0
    started = run_script("start", instance)
    if started.returncode != 0:
        pytest.fail(
            "The BigQuery emulator could not be started by .ci/bigquery-emulator:\n"
            f"{started.stdout}{started.stderr}",
            pytrace=False,
        )
    state = read_state(started.stdout)
    emulator = BigQueryEmulator(state[ENDPOINT_ENV], state[PROJECT_ENV])
    with pytest.MonkeyPatch.context() as env:
        # google-cloud-bigquery, and so dlt, find the emulator through this variable.
        env.setenv(ENDPOINT_ENV, emulator.endpoint)
        yield emulator
    if not already_running:
        run_script("stop", instance)


@pytest.fixture
def bigquery_env(bigquery_emulator: BigQueryEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Environment dlt needs to load into the emulator."""
    monkeypatch.setenv(ENDPOINT_ENV, bigquery_emulator.endpoint)
    # The emulator does not gunzip load files.
    monkeypatch.setenv("NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION", "true")
