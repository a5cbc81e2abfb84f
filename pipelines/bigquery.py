"""BigQuery as the warehouse: the dlt destination, the layout of its tables, and how dbt and the
report reach the same project with the same credentials.

Everything BigQuery-specific lives here; the source and the dbt models are the same for every
warehouse. Credentials come the dlt way: `[destination.bigquery.credentials]` in
.dlt/secrets.toml (a service account), or else Google's application default credentials.
`project_id` and `location` come from `[destination.bigquery]` or the command line.

When `BIGQUERY_EMULATOR_HOST` names a local BigQuery emulator (google-cloud-bigquery then sends
every request there), the destination, dbt and the report use it with anonymous credentials, so
nothing ever asks Google for a token.
"""

from __future__ import annotations

import importlib.util
import os
from typing import TYPE_CHECKING, Any

import dlt
from dlt.common.configuration.specs import GcpOAuthCredentials, GcpServiceAccountCredentials
from dlt.common.destination import Destination

from sources.atlas_billing.errors import ConfigurationError

if TYPE_CHECKING:
    from dlt.destinations.impl.bigquery.configuration import BigQueryClientConfiguration
    from dlt.sources import DltSource
    from google.cloud import bigquery

EMULATOR_HOST_ENV = "BIGQUERY_EMULATOR_HOST"
"""google-cloud-bigquery sends every request to this address when it is set."""
DAILY_TABLES = ("model_costs", "model_usage", "daily_cost_totals")
"""Partitioned by day on `date`: each run rewrites only the partitions of the days it read."""
CLUSTER_COLUMNS = {"model_costs": ["api_key_id", "model"], "model_usage": ["api_key_id", "model"]}
"""What analysts filter the per-key tables by. The balance history, the model list and the
purchase ledger are a few rows a day at most and stay unpartitioned."""

# The environment dbt/profiles.yml reads for its `bigquery` and `bigquery_emulator` targets.
PROJECT_ENV = "ATLAS_BILLING_BIGQUERY_PROJECT"
LOCATION_ENV = "ATLAS_BILLING_BIGQUERY_LOCATION"
METHOD_ENV = "ATLAS_BILLING_BIGQUERY_METHOD"
CLIENT_EMAIL_ENV = "ATLAS_BILLING_BIGQUERY_CLIENT_EMAIL"
PRIVATE_KEY_ENV = "DBT_ENV_SECRET_ATLAS_BILLING_BIGQUERY_PRIVATE_KEY"
"""dbt scrubs the values of `DBT_ENV_SECRET_` variables from its logs."""


def emulator_endpoint() -> str | None:
    """The BigQuery emulator's address when one is configured (`BIGQUERY_EMULATOR_HOST`)."""
    return os.environ.get(EMULATOR_HOST_ENV) or None


def bigquery_destination(
    *, project: str | None = None, location: str | None = None
) -> Destination[Any, Any]:
    """dlt's BigQuery destination, with `project`/`location` overriding dlt config when given.

    Against an emulator the credentials are anonymous (dlt's configuration cannot say so).
    """
    if not _installed("google.cloud.bigquery"):
        raise ConfigurationError(
            "BigQuery needs the bigquery extra: `uv sync --extra bigquery` or"
            " `pip install 'atlas-billing[bigquery]'`"
        )
    options: dict[str, Any] = {
        name: value
        for name, value in {"project_id": project, "location": location}.items()
        if value
    }
    if emulator_endpoint():
        options["credentials"] = anonymous_credentials(project or _configured_project())
    return dlt.destinations.bigquery(**options)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a parent package is missing
        return False


def anonymous_credentials(project: str | None) -> GcpServiceAccountCredentials:
    """dlt credentials that send no token: for a local emulator, which checks none.

    Built the way dlt builds application-default credentials, because a google
    `AnonymousCredentials` is refused as a native value and dlt's OAuth credentials always
    refresh their token from Google.
    """
    from google.auth.credentials import AnonymousCredentials

    if not project:
        raise ConfigurationError(
            f"{EMULATOR_HOST_ENV} is set: name the emulator's project with --bigquery-project"
            " or project_id under [destination.bigquery]"
        )
    credentials = GcpServiceAccountCredentials()
    credentials.project_id = project
    credentials._set_default_credentials(AnonymousCredentials())
    credentials.resolve()
    return credentials


def _configured_project() -> str | None:
    for key in ("destination.bigquery.project_id", "destination.bigquery.credentials.project_id"):
        value: Any = dlt.config.get(key)
        if value:
            return str(value)
    return None


def with_bigquery_layout(source: DltSource) -> DltSource:
    """The source with BigQuery's table layout: daily tables partitioned by day and clustered.

    The hints only concern BigQuery; the rows and the way days are replaced stay the same.
    """
    from dlt.destinations.adapters import bigquery_adapter

    for name in DAILY_TABLES:
        if name in source.resources:
            bigquery_adapter(
                source.resources[name], partition="date", cluster=CLUSTER_COLUMNS.get(name) or ()
            )
    return source


def resolved_configuration(destination: Destination[Any, Any]) -> BigQueryClientConfiguration:
    """The destination's configuration with credentials, as a load would use it.

    Raises ConfigurationError when there are no credentials (neither secrets nor application
    default credentials).
    """
    # partial: the dataset is the pipeline's to give
    config = destination.configuration(None, accept_partial=True)
    if config.credentials is None or not config.credentials.is_resolved():
        raise ConfigurationError(
            "no BigQuery credentials: set [destination.bigquery.credentials] (a service account:"
            " project_id, private_key, client_email) in .dlt/secrets.toml, or run"
            " `gcloud auth application-default login`"
        )
    return config


def project_of(config: BigQueryClientConfiguration) -> str:
    """The project the datasets live in: `project_id`, else the credentials' project."""
    project = config.project_id or getattr(config.credentials, "project_id", None)
    if not project:
        raise ConfigurationError(
            "no BigQuery project: set --bigquery-project, or project_id under"
            " [destination.bigquery] or [destination.bigquery.credentials]"
        )
    return str(project)


def bigquery_client(destination: Destination[Any, Any]) -> bigquery.Client:
    """A google-cloud-bigquery client for the destination's project, location and credentials."""
    from google.cloud import bigquery

    config = resolved_configuration(destination)
    return bigquery.Client(
        project=project_of(config),
        credentials=config.credentials.to_native_credentials(),
        location=config.location,
    )


def dbt_environment(
    destination: Destination[Any, Any], *, threads: int | None = None
) -> tuple[str, dict[str, str]]:
    """The dbt target (`bigquery` or `bigquery_emulator`) and the environment its profile reads.

    The profile gets the load's project, location and credentials: a service account from dlt's
    secrets is handed to dbt as `service-account-json` (the private key in a variable dbt keeps
    out of its logs); application default credentials become dbt's `oauth` method.
    """
    config = resolved_configuration(destination)
    env = {PROJECT_ENV: project_of(config), LOCATION_ENV: config.location}
    if threads is not None:
        env["ATLAS_BILLING_DBT_THREADS"] = str(threads)
    if emulator_endpoint():
        return "bigquery_emulator", env
    credentials = config.credentials
    if isinstance(credentials, GcpServiceAccountCredentials) and credentials.private_key:
        env[METHOD_ENV] = "service-account-json"
        env[CLIENT_EMAIL_ENV] = str(credentials.client_email)
        env[PRIVATE_KEY_ENV] = str(credentials.private_key)
    elif isinstance(credentials, GcpOAuthCredentials) and not credentials.has_default_credentials():
        raise ConfigurationError(
            "dbt cannot use dlt's OAuth user credentials for BigQuery: use a service account in"
            " [destination.bigquery.credentials], or application default credentials"
            " (`gcloud auth application-default login`)"
        )
    else:
        env[METHOD_ENV] = "oauth"  # dbt's name for application default credentials
    return "bigquery", env


def describe(destination: Destination[Any, Any], dataset_name: str) -> str:
    """`bigquery project.dataset (location)` for the run's summary line."""
    config = resolved_configuration(destination)
    return f"bigquery {project_of(config)}.{dataset_name} ({config.location})"
