"""`atlas-billing demo`: the whole path on a simulated account, in one command.

A simulated account (with its purchase ledger) is served on 127.0.0.1; the source loads it into
a DuckDB file once per simulated day, so there is a balance history; the ledger is loaded as the
credit ledger; dbt builds the marts; the report prints them. Everything lands in one folder
(default ./demo_output), which a new demo run starts afresh.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt

from pipelines.credit_ledger import load_credit_ledger
from pipelines.folders import usable_folder
from pipelines.load import DATASET_NAME, DEFAULT_DUCKDB_PATH, load
from pipelines.report import render_report
from pipelines.transform import (
    DEFAULT_THREADS,
    DbtBuildSummary,
    build,
    marts_schema,
    temporary_environment,
)
from simulator import AccountConfig, Simulator
from simulator.cli import other_spend_per_day
from sources.atlas_billing.errors import ConfigurationError

DEFAULT_OUTPUT_DIR = Path("demo_output")
DEFAULT_SNAPSHOTS = 15
DEFAULT_OTHER_SPEND_USD_PER_DAY = "1.50"
API_KEY_ENV = "SOURCES__ATLAS_BILLING__API_KEY"


def register(subparsers: Any) -> None:
    """Add the `demo` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="simulator -> dlt -> DuckDB -> dbt -> report, on a simulated account",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help=f"where the DuckDB file, ledger and dbt artifacts go (default ./{DEFAULT_OUTPUT_DIR})",
    )
    parser.add_argument("--seed", type=int, default=7, help="the simulated account's seed")
    parser.add_argument("--keys", type=int, default=5, help="API keys in the account")
    parser.add_argument("--models", type=int, default=6, help="models the account uses")
    parser.add_argument("--days", type=int, default=400, help="account age in days")
    parser.add_argument(
        "--snapshots",
        type=int,
        default=DEFAULT_SNAPSHOTS,
        help=f"daily runs, each taking a balance snapshot (default {DEFAULT_SNAPSHOTS})",
    )
    parser.add_argument(
        "--other-spend-usd-per-day",
        default=DEFAULT_OTHER_SPEND_USD_PER_DAY,
        help="DevPod/GPU/storage spend the reconciliation should find"
        f" (default {DEFAULT_OTHER_SPEND_USD_PER_DAY})",
    )
    parser.add_argument("--now", help="the simulated time of the last run, ISO 8601 (default: now)")
    parser.add_argument("--dbt-threads", type=int, default=DEFAULT_THREADS)
    parser.set_defaults(handler=handle_demo)


def handle_demo(args: argparse.Namespace) -> int:
    """Run the demo with the command line's options and print the report."""
    if args.snapshots < 1 or args.days < 2 or args.keys < 1 or args.models < 1:
        raise ConfigurationError("--snapshots, --keys and --models must be 1 or more, --days 2+")
    if args.dbt_threads < 1:
        raise ConfigurationError(f"--dbt-threads must be 1 or more, got {args.dbt_threads}")
    other_spend = other_spend_per_day(args.other_spend_usd_per_day)
    now = _parse_now(args.now)
    usable_folder(args.output_dir, "--output-dir")
    config = AccountConfig(
        seed=args.seed,
        n_keys=args.keys,
        n_models=args.models,
        first_day=(now - timedelta(days=args.days)).date(),
        other_spend_usd_per_day=other_spend,
    )
    result = run_demo(
        args.output_dir,
        config=config,
        now=now,
        snapshots=args.snapshots,
        threads=args.dbt_threads,
        on_progress=lambda line: print(line, flush=True),
    )
    print()
    print(result.report, end="")
    print(f"\nDuckDB file: {result.duckdb_path}  (marts in schema {marts_schema()})")
    return 0


@dataclass(frozen=True)
class DemoResult:
    """Where the demo wrote its output, and the report it printed."""

    duckdb_path: Path
    ledger_path: Path
    dbt: DbtBuildSummary
    report: str


def run_demo(
    output_dir: Path,
    *,
    config: AccountConfig,
    now: datetime,
    snapshots: int = DEFAULT_SNAPSHOTS,
    threads: int = DEFAULT_THREADS,
    on_progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Simulate, load once per simulated day up to `now`, load the ledger, build dbt, report."""
    say = on_progress or (lambda _line: None)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    db = output_dir / DEFAULT_DUCKDB_PATH.name
    pipelines_dir = output_dir / "dlt_pipelines"
    # A demo starts afresh: the previous run's data and dlt state would make this one incremental.
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(pipelines_dir, ignore_errors=True)

    first_run = now - timedelta(days=snapshots - 1)
    sim = Simulator(config, now=first_run)
    say(
        f"simulated account {sim.account.account_id}: {config.n_keys} keys, {config.n_models}"
        f" models, opened {config.first_day}; loading once a day {first_run:%Y-%m-%d %H:%M}"
        f" .. {now:%Y-%m-%d %H:%M} UTC"
    )
    with sim.serve() as server, temporary_environment({API_KEY_ENV: sim.keys.admin}):
        for run in range(1, snapshots + 1):
            summary = load(
                base_url=server.base_url,
                start_date=config.first_day.isoformat(),
                duckdb_path=db,
                pipelines_dir=pipelines_dir,
            )
            rows = sum(n for table, n in summary.rows.items() if table == "model_costs")
            say(
                f"run {run}/{snapshots} at {sim.clock.now():%Y-%m-%d %H:%M}: {rows} cost rows,"
                f" balance snapshot, {summary.requests} requests, {summary.elapsed_seconds:.1f} s"
            )
            if run < snapshots:
                sim.clock.advance(timedelta(days=1))
        ledger = sim.ledger.export_purchase_ledger_csv(output_dir / "purchase_ledger.csv")
    lots = load_credit_ledger(
        ledger,
        destination=dlt.destinations.duckdb(credentials=str(db)),
        dataset_name=DATASET_NAME,
        pipelines_dir=pipelines_dir,
    )
    say(f"purchase ledger: {lots} lots exported to {ledger} and loaded as credit_ledger")
    dbt_summary = build(db, threads=threads, target_path=output_dir / "dbt_target")
    say(str(dbt_summary))
    return DemoResult(duckdb_path=db, ledger_path=ledger, dbt=dbt_summary, report=render_report(db))


def _parse_now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"--now {text!r} is not an ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
