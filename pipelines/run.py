"""`atlas-billing run`: load balance, usage and costs into the warehouse (DuckDB by default).

The API key never comes from the command line: dlt reads it from .dlt/secrets.toml or from
SOURCES__ATLAS_BILLING__API_KEY. Everything else may be set in .dlt/config.toml
([sources.atlas_billing]) and overridden here. For BigQuery (`--destination bigquery`, or
destination_type = "bigquery" under [pipelines.atlas_billing]) the credentials come from
[destination.bigquery.credentials] in .dlt/secrets.toml, or from application default
credentials; project_id and location from [destination.bigquery] or the options below.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from pipelines.folders import usable_folder
from pipelines.load import (
    DATASET_NAME,
    DEFAULT_DAYS_PER_LOAD,
    DEFAULT_DUCKDB_PATH,
    DESTINATIONS,
    PIPELINE_NAME,
    LoadSummary,
    load,
)
from pipelines.run_lock import exclusive_run
from pipelines.transform import add_transform_arguments, transform_after_load
from sources.atlas_billing.errors import ConfigurationError


def register(subparsers: Any) -> None:
    """Add the `run` subcommand."""
    parser = subparsers.add_parser(
        "run",
        help="load balance, usage and costs from the API into the warehouse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_load_arguments(parser)
    add_transform_arguments(parser)
    parser.set_defaults(handler=handle_run)


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a load, shared by every command that loads."""
    parser.add_argument(
        "--destination",
        choices=DESTINATIONS,
        help="where to load (default: destination_type under [pipelines.atlas_billing], else"
        " duckdb)",
    )
    parser.add_argument(
        "--dataset",
        help=f"the dataset of the raw tables (default: {DATASET_NAME})",
    )
    parser.add_argument(
        "--bigquery-project", help="BigQuery project (default: [destination.bigquery] config)"
    )
    parser.add_argument(
        "--bigquery-location",
        help="BigQuery location, e.g. EU (default: [destination.bigquery] config, else US)",
    )
    parser.add_argument(
        "--duckdb-path",
        "--path",
        type=Path,
        default=DEFAULT_DUCKDB_PATH,
        help=f"the DuckDB file (default: ./{DEFAULT_DUCKDB_PATH})",
    )
    parser.add_argument("--start-date", help="first UTC day to load, YYYY-MM-DD (first run)")
    parser.add_argument("--end-date", help="UTC day to stop before (exclusive), YYYY-MM-DD")
    parser.add_argument("--scope", help="account (default) or self")
    parser.add_argument(
        "--grain",
        help="group keys of costs and usage: model,api_key (default), model, api_key, model_type",
    )
    parser.add_argument(
        "--lookback-days", type=int, help="closed days to read again every run (default 3)"
    )
    parser.add_argument("--base-url", help="the API's base URL (default: the public API)")
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="drop the daily tables and their state and load from --start-date again"
        " (balance history is kept)",
    )
    parser.add_argument("--no-balance", action="store_true", help="do not take a balance snapshot")
    parser.add_argument(
        "--days-per-load",
        type=int,
        default=DEFAULT_DAYS_PER_LOAD,
        help=f"days committed per load in a backfill (default {DEFAULT_DAYS_PER_LOAD})",
    )
    parser.add_argument(
        "--pipelines-dir", type=Path, help="dlt's working directory (default: ~/.dlt/pipelines)"
    )


def load_from_args(args: argparse.Namespace) -> LoadSummary:
    """Run `load()` with the options of the command line, printing progress lines."""
    return load(
        destination=args.destination,
        duckdb_path=args.duckdb_path,
        dataset_name=args.dataset,
        bigquery_project=args.bigquery_project,
        bigquery_location=args.bigquery_location,
        pipelines_dir=args.pipelines_dir,
        full_refresh=args.full_refresh,
        days_per_load=args.days_per_load,
        start_date=args.start_date,
        end_date=args.end_date,
        scope=args.scope,
        grain=args.grain,
        lookback_days=args.lookback_days,
        base_url=args.base_url,
        load_balance=False if args.no_balance else None,
        on_progress=_print_progress,
    )


def handle_run(args: argparse.Namespace) -> int:
    """Load, print the summary, then whatever comes after a load; one run per warehouse at once."""
    _check_after_load_options(args)
    with _run_lock(args):
        summary = load_from_args(args)
        for line in summary.lines():
            print(line, flush=True)
        return after_load(args, summary)


def _check_after_load_options(args: argparse.Namespace) -> None:
    """Paths and what comes after the load, checked before the load changes anything."""
    if args.credit_ledger is not None and not Path(args.credit_ledger).is_file():
        raise ConfigurationError(
            f"--credit-ledger {args.credit_ledger}: no such file; give the path of the purchase"
            " ledger CSV"
        )
    if args.dbt_threads < 1:
        raise ConfigurationError(f"--dbt-threads must be 1 or more, got {args.dbt_threads}")
    if args.pipelines_dir is not None:
        usable_folder(Path(args.pipelines_dir), "--pipelines-dir")


def _run_lock(args: argparse.Namespace) -> AbstractContextManager[None]:
    """The lock that keeps a second run off the warehouse while this one loads and builds."""
    if args.destination != "bigquery":
        return exclusive_run(Path(args.duckdb_path))
    # no file to lock beside: lock the pipeline's dlt working folder instead
    from dlt.common.pipeline import get_dlt_pipelines_dir

    folder = usable_folder(Path(args.pipelines_dir or get_dlt_pipelines_dir()), "--pipelines-dir")
    return exclusive_run(folder / PIPELINE_NAME, option="--pipelines-dir")


def after_load(args: argparse.Namespace, summary: LoadSummary) -> int:
    """What runs once the load has committed: the purchase ledger and dbt; the exit code."""
    return transform_after_load(args, summary)


def _print_progress(message: str) -> None:
    print(message, file=sys.stdout, flush=True)
