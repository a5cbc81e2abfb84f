"""The local BigQuery emulator as the BigQuery tests see it: its address, a google-cloud-bigquery
client for it, dlt credentials for it, and what it ran (its job history).

The emulator is started by `.ci/bigquery-emulator` (see tests/bigquery/conftest.py). It accepts
any credentials, so the clients send none: real BigQuery credentials would make google-auth
fetch tokens from Google, which cannot be reached here.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dlt.common.configuration.specs import GcpServiceAccountCredentials
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

REPO = Path(__file__).resolve().parents[2]
EMULATOR_SCRIPT = REPO / ".ci" / "bigquery-emulator"
ENDPOINT_ENV = "BIGQUERY_EMULATOR_HOST"
"""Read by google-cloud-bigquery (and so by dlt) as the API endpoint; set by the emulator script."""
PROJECT_ENV = "BQEMU_PROJECT"
DEFAULT_PROJECT = "atlas-billing-test"


@dataclass(frozen=True)
class BigQueryEmulator:
    """A running emulator: `endpoint` is its REST address on 127.0.0.1, `project` its project."""

    endpoint: str
    project: str

    def client(self) -> bigquery.Client:
        """A google-cloud-bigquery client that talks to the emulator without credentials."""
        return bigquery.Client(
            project=self.project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.endpoint},
        )

    def dlt_credentials(self) -> GcpServiceAccountCredentials:
        """dlt BigQuery credentials that send no token (the emulator checks none).

        dlt's own config cannot express "anonymous": its OAuth credentials always refresh their
        token from Google, and a bare google `AnonymousCredentials` is refused as a native value,
        so the credentials are built as dlt builds application-default ones.
        """
        credentials = GcpServiceAccountCredentials()
        credentials.project_id = self.project
        credentials._set_default_credentials(AnonymousCredentials())
        credentials.resolve()
        return credentials

    def queries_run(self) -> Iterator[str]:
        """The SQL text of every query job the emulator ran, newest first."""
        for job in self.client().list_jobs(max_results=10_000, all_users=True):
            query = getattr(job, "query", None)
            if query:
                yield query


def new_dataset_name(prefix: str) -> str:
    """A dataset name no other test (or earlier run against a shared emulator) has used."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def read_state(text: str) -> dict[str, str]:
    """Parse the KEY=value lines the emulator script prints and keeps in its state file."""
    state = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isidentifier():
            state[key] = value
    return state


def run_script(command: str, instance: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `.ci/bigquery-emulator <command>` for one emulator instance, capturing its output."""
    env = dict(os.environ)
    if instance:
        env["BQEMU_INSTANCE"] = instance
    return subprocess.run(
        [str(EMULATOR_SCRIPT), command],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=900,
    )
