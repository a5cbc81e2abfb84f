"""How `--destination bigquery` is configured: credentials the dlt way, handed on to dbt, and one
clear line when there are none. No emulator needed: nothing here sends a request (google-auth is
kept off the network by conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.bigquery import (
    CLIENT_EMAIL_ENV,
    LOCATION_ENV,
    METHOD_ENV,
    PRIVATE_KEY_ENV,
    PROJECT_ENV,
    bigquery_destination,
    dbt_environment,
)
from pipelines.cli import main

pytestmark = pytest.mark.bigquery

PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n"


@pytest.fixture
def real_bigquery(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No emulator, no application default credentials, no .dlt/ of the repository."""
    monkeypatch.delenv("BIGQUERY_EMULATOR_HOST", raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path_factory.mktemp("gcloud")))  # no gcloud login
    monkeypatch.chdir(tmp_path_factory.mktemp("workdir"))


def service_account_in_dlt_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """A service account in project billing-prod, given the dlt way (environment variables)."""
    monkeypatch.setenv("DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID", "billing-prod")
    monkeypatch.setenv(
        "DESTINATION__BIGQUERY__CREDENTIALS__CLIENT_EMAIL", "loader@billing-prod.iam"
    )
    monkeypatch.setenv("DESTINATION__BIGQUERY__CREDENTIALS__PRIVATE_KEY", PRIVATE_KEY)


def test_a_service_account_from_dlt_secrets_is_what_dbt_gets(
    real_bigquery: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    service_account_in_dlt_secrets(monkeypatch)
    monkeypatch.setenv("DESTINATION__BIGQUERY__LOCATION", "EU")

    target, env = dbt_environment(bigquery_destination())

    assert target == "bigquery"
    assert env[PROJECT_ENV] == "billing-prod" and env[LOCATION_ENV] == "EU"
    assert env[METHOD_ENV] == "service-account-json"
    assert env[CLIENT_EMAIL_ENV] == "loader@billing-prod.iam"
    # the key travels only in the variable dbt scrubs from its logs
    assert env[PRIVATE_KEY_ENV] == PRIVATE_KEY and PRIVATE_KEY_ENV.startswith("DBT_ENV_SECRET_")
    assert [name for name, value in env.items() if "PRIVATE KEY" in value] == [PRIVATE_KEY_ENV]


def test_the_command_line_names_the_project_and_location(
    real_bigquery: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    service_account_in_dlt_secrets(monkeypatch)

    _, env = dbt_environment(bigquery_destination(project="analytics-eu", location="europe-west3"))

    assert (env[PROJECT_ENV], env[LOCATION_ENV]) == ("analytics-eu", "europe-west3")


def test_without_credentials_the_run_stops_with_one_line_before_reading_the_api(
    real_bigquery: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", "apikey-never-used")

    # its own dlt folder: the run stops after dlt set the pipeline up, which must not be the
    # machine's default one (a later run there would inherit this pipeline's state)
    code = main(
        [
            "run",
            "--destination",
            "bigquery",
            "--base-url",
            "http://127.0.0.1:9/public/v1",
            "--pipelines-dir",
            str(tmp_path / "pipelines"),
        ]
    )

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("atlas-billing run: error: no BigQuery credentials:"), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
