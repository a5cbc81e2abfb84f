"""What runs after a load: the purchase ledger, then the dbt project (`dbt/`, or the copy an
installed package carries), in this process.

dbt is driven through its programmatic API (`dbtRunner`), against the profile committed in
`dbt/profiles.yml`: its `duckdb` target reads the file named by `ATLAS_BILLING_DUCKDB_PATH`; its
`bigquery` target (and `bigquery_emulator`) the project, location and credentials of the load,
passed in environment variables (see pipelines/bigquery.py).
A failing data test, unit test or model makes `build` raise one `AtlasBillingError` that names it.
`atlas-billing run` gets its `--credit-ledger` and `--no-dbt` options from here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sources.atlas_billing.errors import AtlasBillingError, ConfigurationError

_CHECKOUT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt"
_INSTALLED_PROJECT_DIR = Path(__file__).resolve().parent / "dbt_project"
# The dbt project: `dbt/` of a source checkout, else the copy an installed wheel carries. (In
# site-packages, `dbt` beside this package is dbt-core itself: the project file decides.)
DBT_PROJECT_DIR = (
    _CHECKOUT_PROJECT_DIR
    if (_CHECKOUT_PROJECT_DIR / "dbt_project.yml").is_file()
    else _INSTALLED_PROJECT_DIR
)
DUCKDB_PATH_ENV = "ATLAS_BILLING_DUCKDB_PATH"
DBT_TARGET_ENV = "ATLAS_BILLING_DBT_TARGET"
DBT_SCHEMA_ENV = "ATLAS_BILLING_DBT_SCHEMA"
DEFAULT_DBT_SCHEMA = "atlas_billing_models"
"""The schema the dbt models (and the marts the report reads) are built in."""
DEFAULT_THREADS = 2

# How dbt reports a node that did not succeed (RunStatus / TestStatus values).
_FAILED_STATUSES = {"error", "fail", "runtime error"}
_MAX_FAILURES_NAMED = 5


def add_transform_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of what runs after a load (for `atlas-billing run`)."""
    parser.add_argument(
        "--credit-ledger",
        type=Path,
        metavar="PATH",
        help="purchase ledger CSV (purchased_at,kind,amount_usd[,lot_id,expires_at]) to load as"
        " the table credit_ledger; it replaces the dbt seed atlas_credit_ledger",
    )
    parser.add_argument(
        "--no-dbt", action="store_true", help="do not build the dbt project after the load"
    )
    parser.add_argument(
        "--dbt-threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"dbt threads (default {DEFAULT_THREADS})",
    )


def transform_after_load(args: argparse.Namespace, summary: Any) -> int:
    """Load the purchase ledger if one was given, then build the dbt project; the exit code.

    `summary` is the load's `LoadSummary` (destination, dataset, DuckDB file). A full refresh
    of the load rebuilds the incremental models whole too. Raises AtlasBillingError (the CLI
    prints it, exit 2) when the ledger is invalid or dbt fails.
    """
    if args.no_dbt and not args.credit_ledger:
        return 0
    if summary.destination not in ("duckdb", "bigquery") or summary.dlt_destination is None:
        raise ConfigurationError(
            f"--credit-ledger and dbt after the load support duckdb and bigquery,"
            f" not {summary.destination}; pass --no-dbt"
        )
    if args.credit_ledger:
        from pipelines.credit_ledger import load_credit_ledger

        rows = load_credit_ledger(
            args.credit_ledger,
            destination=summary.dlt_destination,
            dataset_name=summary.dataset_name,
            pipelines_dir=args.pipelines_dir,
        )
        print(f"credit ledger: {rows} lots from {args.credit_ledger}", flush=True)
    if not args.no_dbt:
        target = (
            duckdb_target(summary.duckdb_path, dataset_name=summary.dataset_name)
            if summary.destination == "duckdb"
            else bigquery_target(summary.dlt_destination, dataset_name=summary.dataset_name)
        )
        full_refresh = bool(getattr(args, "full_refresh", False))
        print(build(target, threads=args.dbt_threads, full_refresh=full_refresh), flush=True)
    return 0


@dataclass(frozen=True)
class DbtTarget:
    """Where dbt builds: a target of dbt/profiles.yml and the environment that fills it in."""

    name: str
    """The profile's target: `duckdb`, `bigquery` or `bigquery_emulator`."""
    env: Mapping[str, str]
    target_path: Path
    """The default folder of dbt's artifacts and logs: one per warehouse, never shared."""
    vars: Mapping[str, Any]
    """Project vars the warehouse needs, e.g. where the raw dataset is."""
    duckdb_path: Path | None = None


def duckdb_target(duckdb_path: Path, *, dataset_name: str | None = None) -> DbtTarget:
    """The `duckdb` target over a loaded file; AtlasBillingError when there is no such file."""
    duckdb_path = Path(duckdb_path).resolve()
    if not duckdb_path.exists():
        raise AtlasBillingError(f"dbt build: no DuckDB file at {duckdb_path}; load data first")
    return DbtTarget(
        name="duckdb",
        env={DUCKDB_PATH_ENV: str(duckdb_path), DBT_TARGET_ENV: "duckdb"},
        target_path=default_target_path(duckdb_path),
        vars=_dataset_vars(dataset_name),
        duckdb_path=duckdb_path,
    )


def bigquery_target(destination: Any, *, dataset_name: str | None = None) -> DbtTarget:
    """The `bigquery` target over the project, location and credentials of a dlt destination
    (the `bigquery_emulator` target when BIGQUERY_EMULATOR_HOST is set)."""
    from pipelines.bigquery import PROJECT_ENV, dbt_environment

    name, env = dbt_environment(destination)
    where = f"{env[PROJECT_ENV]}.{marts_schema()}"
    digest = hashlib.sha1(where.encode()).hexdigest()[:8]
    return DbtTarget(
        name=name,
        env={**env, DBT_TARGET_ENV: name},
        target_path=target_root() / f"{name}-{digest}",
        vars=_dataset_vars(dataset_name),
    )


def _dataset_vars(dataset_name: str | None) -> dict[str, Any]:
    from pipelines.load import DATASET_NAME

    if dataset_name and dataset_name != DATASET_NAME:
        return {"atlas_billing_schema": dataset_name}
    return {}


@dataclass(frozen=True)
class DbtBuildSummary:
    """What one `dbt build` did: counts by outcome and how long it took."""

    models: int
    tests: int
    seeds: int
    warnings: int
    elapsed_seconds: float

    def __str__(self) -> str:
        return (
            f"dbt build: {self.models} models, {self.seeds} seeds and {self.tests} tests "
            f"passed ({self.warnings} warnings) in {self.elapsed_seconds:.1f} s"
        )


def build(
    warehouse: Path | DbtTarget,
    *,
    vars: Mapping[str, Any] | None = None,
    threads: int = DEFAULT_THREADS,
    target_path: Path | None = None,
    select: Sequence[str] = (),
    quiet: bool = True,
    full_refresh: bool = False,
) -> DbtBuildSummary:
    """Run `dbt build` (seeds, models, data tests and unit tests) in a warehouse.

    `warehouse` is a DuckDB file or a `DbtTarget` (e.g. `bigquery_target(destination)`).
    `vars` override the project's vars (e.g. `atlas_billing_as_of`). `target_path` is where dbt
    writes its artifacts and logs (default: one folder per DuckDB file or BigQuery dataset under
    `target_root()`, so builds of different warehouses never share one). `full_refresh` rebuilds
    the incremental models whole.
    Raises AtlasBillingError naming every model or test that failed.
    """
    from dbt.cli.main import dbtRunner

    target = warehouse if isinstance(warehouse, DbtTarget) else duckdb_target(Path(warehouse))
    target_path = Path(target_path) if target_path else target.target_path
    args = [
        "build",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        target.name,
        "--threads",
        str(threads),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]
    if quiet:
        args += ["--log-level", "none"]  # our summary or error line says it; dbt.log has all
    all_vars = {**target.vars, **(vars or {})}
    if all_vars:
        args += ["--vars", json.dumps(all_vars, default=str)]
    if full_refresh:
        args.append("--full-refresh")
    for selector in select:
        args += ["--select", selector]

    started = time.perf_counter()
    with temporary_environment(target.env):
        try:
            outcome = dbtRunner().invoke(args)
        finally:
            if target.duckdb_path is not None:
                _release_duckdb()
    elapsed = time.perf_counter() - started

    results = list(getattr(outcome.result, "results", None) or [])
    failures = [r for r in results if str(r.status) in _FAILED_STATUSES]
    if failures:
        raise AtlasBillingError(_describe_failures(failures, target_path))
    if not outcome.success:
        detail = outcome.exception or "see the dbt log"
        raise AtlasBillingError(f"dbt build could not run: {_one_line(str(detail))}")
    return _summarise(results, elapsed)


def default_target_path(duckdb_path: Path) -> Path:
    """dbt's artifacts and logs for one DuckDB file: <target root>/<file stem>-<hash of its
    path> (see `target_root`)."""
    digest = hashlib.sha1(str(Path(duckdb_path).resolve()).encode()).hexdigest()[:8]
    return target_root() / f"{Path(duckdb_path).stem}-{digest}"


def target_root() -> Path:
    """Where dbt writes its artifacts and logs: `dbt/target` in a source checkout; for an
    installed package, whose files may be read-only and are shared by every user, a folder in the
    user's cache (`$XDG_CACHE_HOME/atlas-billing/dbt-target`, default `~/.cache/...`)."""
    if DBT_PROJECT_DIR == _CHECKOUT_PROJECT_DIR:
        return DBT_PROJECT_DIR / "target"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "atlas-billing" / "dbt-target"


def _describe_failures(failures: list[Any], target_path: Path) -> str:
    described = []
    for result in failures[:_MAX_FAILURES_NAMED]:
        node = result.node
        kind = str(node.resource_type)
        if kind == "test" and result.failures:
            described.append(f"{kind} {node.name} failed ({result.failures} failing rows)")
        else:
            described.append(f"{kind} {node.name} {result.status}: {_one_line(result.message)}")
    more = len(failures) - len(described)
    suffix = f"; and {more} more" if more > 0 else ""
    return (
        f"dbt build failed: {'; '.join(described)}{suffix} "
        f"(details in {target_path / 'logs' / 'dbt.log'})"
    )


def _summarise(results: list[Any], elapsed: float) -> DbtBuildSummary:
    counts = {"model": 0, "test": 0, "unit_test": 0, "seed": 0}
    warnings = 0
    for result in results:
        kind = str(result.node.resource_type)
        counts[kind] = counts.get(kind, 0) + 1
        warnings += str(result.status) == "warn"
    return DbtBuildSummary(
        models=counts["model"],
        tests=counts["test"] + counts["unit_test"],
        seeds=counts["seed"],
        warnings=warnings,
        elapsed_seconds=elapsed,
    )


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run.

    Otherwise the file stays open with dbt's configuration, and this process could not open it
    again (the report, a later load) until dbt's environment is garbage-collected.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())[:300]


@contextmanager
def temporary_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block, then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def marts_schema() -> str:
    """The schema holding the marts (the report reads them there)."""
    return os.environ.get(DBT_SCHEMA_ENV, DEFAULT_DBT_SCHEMA)
