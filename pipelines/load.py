"""Load the Atlas Cloud billing source into a warehouse: DuckDB by default, or BigQuery.

`load()` is the one entry point (the CLI's `run`, the demo and dbt-after-load call it). A long
backfill is loaded in chunks of days, each chunk a dlt load that commits its data and the
resources' state together, so a run killed at any moment goes on from the last committed chunk.
The balance snapshot goes into the load that reads the last days (or, when that load cannot take
it, a last load of its own), so only a run that got to the end adds one.

The warehouse is chosen by name (`duckdb`, `bigquery`; default from dlt config
`[pipelines.atlas_billing] destination_type`, else DuckDB) or given as a ready dlt destination.
The source is the same for every warehouse; what differs (BigQuery's partitioning and
clustering) is applied here, in `_with_layout`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

import dlt
import duckdb
import pyarrow as pa
from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.common.destination import Destination
from dlt.destinations.impl.duckdb.configuration import DuckDbConnectionPool, DuckDbCredentials
from dlt.pipeline.exceptions import PipelineStepFailed

from pipelines.bigquery import bigquery_destination, with_bigquery_layout
from pipelines.bigquery import describe as describe_bigquery
from sources.atlas_billing import atlas_billing_source
from sources.atlas_billing.errors import AtlasBillingError, ConfigurationError
from sources.atlas_billing.helpers import LoadProgress

PIPELINE_NAME = "atlas_billing"
DATASET_NAME = "atlas_billing"
DEFAULT_DUCKDB_PATH = Path("atlas.duckdb")
"""Not `atlas_billing.duckdb`: DuckDB would name its catalog like the dataset (see below)."""
DEFAULT_DAYS_PER_LOAD = 720
"""Days per dlt load in a backfill: each load commits, so a kill loses at most this many days.
Four 180-day request windows per endpoint, read side by side (a load's windows are what can be
in flight at once: each window's pages follow one cursor)."""
DUCKDB_SETTINGS: dict[str, Any] = {"memory_limit": "128MB", "preserve_insertion_order": False}
"""DuckDB settings of the load (override any under `[destination.duckdb.credentials]
global_config` in dlt config), with `threads` (see `_load_threads`). 128MB: the load's inserts
stream, and spill beyond it; on the full benchmark's 2-year backfill the peak was 431 MB at
128MB, 606 MB at 256MB, ~900 MB uncapped, at the same speed."""
BALANCE = "balance_snapshots"
DESTINATIONS = ("duckdb", "bigquery")
"""Destinations `load` can build from a name; BigQuery is configured the dlt way (see
pipelines/bigquery.py)."""


def _return_freed_memory() -> None:
    """Let Arrow allocate with the system allocator, which hands freed memory back.

    Pages are read into Arrow by several threads at once; Arrow's default allocator (mimalloc)
    kept what they freed, so the load's DuckDB step came on top of the reading's peak. On the
    benchmark's 2-year backfill the peak went from ~640 MB to ~375 MB, at the same speed.
    """
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


@dataclass
class LoadSummary:
    """What one run did."""

    destination: str
    dataset_name: str
    rows: dict[str, int] = field(default_factory=dict)
    """Rows read from the API and loaded, per table."""
    days: dict[str, str] = field(default_factory=dict)
    """The days each daily table read, e.g. `2025-01-01..2026-05-10`."""
    loads: int = 0
    step_seconds: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each of dlt's steps (`STEPS`), summed over the run's loads: where a run's
    time went, e.g. how long the load step ran after the last page was read."""
    requests: int = 0
    retries: int = 0
    retries_by_reason: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    balance_snapshot: bool = False
    duckdb_path: Path | None = None
    warehouse: str = ""
    """Where the data went, e.g. `bigquery my-project.atlas_billing (EU)` (empty: DuckDB's file)."""
    dlt_destination: Destination[Any, Any] | None = field(default=None, repr=False, compare=False)
    """The destination loaded into, for what comes after the load (the ledger, dbt)."""

    def lines(self) -> list[str]:
        """The summary as printed at the end of a run."""
        if self.warehouse:
            lines = [f"loaded into {self.warehouse} in {self.loads} load(s):"]
        else:
            where = f"{self.destination} {self.duckdb_path or ''}".strip()
            lines = [f"loaded into {where}, dataset {self.dataset_name}, in {self.loads} load(s):"]
        for table, rows in self.rows.items():
            days = f" (days {self.days[table]})" if self.days.get(table) else ""
            lines.append(f"  {table}: {rows} rows{days}")
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.retries_by_reason.items()))
        lines.append(
            f"{self.requests} requests, {self.retries} retries"
            f"{f' ({reasons})' if reasons else ''}, {self.elapsed_seconds:.1f}s"
        )
        if self.step_seconds:
            steps = ", ".join(
                f"{step} {seconds:.1f}s" for step, seconds in self.step_seconds.items()
            )
            lines.append(f"dlt's steps: {steps}")
        return lines


def load(
    *,
    destination: str | Destination[Any, Any] | None = None,
    duckdb_path: str | Path = DEFAULT_DUCKDB_PATH,
    dataset_name: str | None = None,
    bigquery_project: str | None = None,
    bigquery_location: str | None = None,
    pipeline_name: str = PIPELINE_NAME,
    pipelines_dir: str | Path | None = None,
    full_refresh: bool = False,
    days_per_load: int | None = DEFAULT_DAYS_PER_LOAD,
    start_date: str | None = None,
    end_date: str | None = None,
    scope: str | None = None,
    grain: str | None = None,
    lookback_days: int | None = None,
    base_url: str | None = None,
    load_balance: bool | None = None,
    source_options: Mapping[str, Any] | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> LoadSummary:
    """Bring the warehouse up to date with the account; return what was done.

    Options left as None come from dlt config (`[sources.atlas_billing]` in .dlt/, or
    environment variables such as `SOURCES__ATLAS_BILLING__START_DATE`); `source_options` passes
    any other argument of `atlas_billing_source` (page_size, window_days, filters, ...).
    `destination` is a name (`duckdb`, `bigquery`) or a ready dlt destination; the dataset
    defaults to `[pipelines.atlas_billing] dataset_name`, else `atlas_billing`. BigQuery's
    project and location default to `[destination.bigquery]`.
    `full_refresh` drops the daily tables and their state first (balance history is kept).
    Raises AtlasBillingError for anything the user can fix, including API failures.

    Sets the process's Arrow memory pool to the system allocator (see `_return_freed_memory`).
    """
    started = time.monotonic()
    _return_freed_memory()
    if days_per_load is not None and days_per_load < 1:
        raise ConfigurationError(f"days per load must be 1 or more, got {days_per_load}")
    options: dict[str, Any] = {
        name: value
        for name, value in {
            "start_date": start_date,
            "end_date": end_date,
            "scope": scope,
            "grain": grain,
            "lookback_days": lookback_days,
            "base_url": base_url,
            "load_balance": load_balance,
            **(source_options or {}),
        }.items()
        if value is not None
    }
    path = Path(duckdb_path)
    dataset_name = dataset_name or _configured(pipeline_name, "dataset_name") or DATASET_NAME
    target = _destination(
        destination or _configured(pipeline_name, "destination_type") or "duckdb",
        path,
        dataset_name,
        bigquery_project=bigquery_project,
        bigquery_location=bigquery_location,
    )
    name = target.destination_name
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=target,
        dataset_name=dataset_name,
        # dlt's default (None) is ~/.dlt/pipelines; tests pass their own
        pipelines_dir=cast(str, None if pipelines_dir is None else str(pipelines_dir)),
    )
    _drop_cut_short_schema_writes(pipeline)
    progress = LoadProgress(on_change=on_progress)
    summary = LoadSummary(
        destination=name,
        dataset_name=dataset_name,
        duckdb_path=path if name == "duckdb" else None,
        dlt_destination=target,
    )
    if name == "bigquery":
        summary.warehouse = describe_bigquery(target, dataset_name)

    def run(data: Any, **options: Any) -> None:
        pipeline.run(data, **options)
        summary.loads += 1
        _add_step_seconds(pipeline, summary.step_seconds)

    with _user_errors():
        # A load a killed run left behind is dropped, not finished: dlt would normalize it
        # against its stored schema, which may predate the package and the days the package
        # replaces. Its state is rolled back with it, so the loads below read its days again.
        if pipeline.has_pending_data:
            pipeline.abort_packages()
            _report(on_progress, "dropped the unfinished load of an interrupted run")
        holds_days = _holds_days(target, dataset_name)
        first = True
        while True:
            # the lookback is read once, by the first load; later loads go on where it stopped
            chunk_options = dict(options) if first else {**options, "read_lookback": False}
            source = _with_layout(
                _source(
                    progress=progress,
                    max_days=days_per_load,
                    holds_days=holds_days,
                    **chunk_options,
                ),
                name,
            )
            daily = [name for name in source.resources if name != BALANCE]
            if first and full_refresh:
                # a refresh drops what it loads: the balance history is kept out of it
                run(source.with_resources(*daily), refresh="drop_resources")
            else:
                # the snapshot goes in only if this load reads the last days (see the resource)
                run(source)
            first = False
            done_through = {
                name: str(progress.resource(name).days)
                for name in daily
                if progress.resource(name).days is not None
            }
            with_balance = " and the balance snapshot" if progress.balance_in_load else ""
            _report(
                on_progress,
                f"load {summary.loads} committed: {_days_text(done_through)}{with_balance}",
            )
            if not progress.more_to_read:
                break
        if BALANCE in source.resources and not progress.balance_in_load:
            source = _source(progress=progress, **options)
            run(source.with_resources(BALANCE))
            _report(on_progress, f"load {summary.loads} committed: balance snapshot")
        if progress.balance_in_load:
            summary.balance_snapshot = True
            progress.rows_read(BALANCE, 1)
    for name, resource in progress.resources.items():
        summary.rows[name] = resource.rows
        if resource.first_day is not None and resource.last_day is not None:
            summary.days[name] = f"{resource.first_day}..{resource.last_day}"
    summary.requests = progress.requests.requests
    summary.retries = progress.requests.retries
    summary.retries_by_reason = dict(progress.requests.retries_by_reason)
    summary.elapsed_seconds = time.monotonic() - started
    return summary


STEPS = ("extract", "normalize", "load")
"""dlt's steps of a load, as its run trace names them."""


def _add_step_seconds(pipeline: dlt.Pipeline, seconds: dict[str, float]) -> None:
    """Add the time each of dlt's `STEPS` took in the pipeline's last run (its trace) to
    `seconds`; nothing where dlt kept no trace."""
    trace = pipeline.last_trace
    for step in trace.steps if trace is not None else ():
        if step.step in STEPS and step.started_at and step.finished_at:
            elapsed = (step.finished_at - step.started_at).total_seconds()
            seconds[step.step] = seconds.get(step.step, 0.0) + elapsed


_DLT_TEMPORARY_FILE = re.compile(r"[0-9a-f]{16}")
"""How dlt names the file it writes a schema to before renaming it (16 hex digits)."""


def _drop_cut_short_schema_writes(pipeline: dlt.Pipeline) -> None:
    """Remove what a kill left of a schema write, before dlt reads its schemas.

    dlt writes a schema to a temporary file and then renames it to `<name>.schema.json`. A run
    killed in between leaves the temporary file in the pipeline's schemas folder, and dlt takes
    it for a schema of that name: dropping the killed run's unfinished load then failed on it.
    A schema file always has an extension, so a name of 16 hex digits is never one.
    """
    for path in (Path(pipeline.working_dir) / "schemas").glob("*"):
        if _DLT_TEMPORARY_FILE.fullmatch(path.name) and path.is_file():
            path.unlink()


def _holds_days(
    target: Destination[Any, Any], dataset_name: str
) -> Callable[[str, date, date], bool] | None:
    """For DuckDB: whether the file holds any row of a table dated in [start, end) (no such
    table: none), asked with the load's own settings; the connection closes after each question.
    Elsewhere None: every load merges."""
    credentials = target.config_params.get("credentials")
    if not isinstance(credentials, DuckDbCredentials):
        return None
    pool = DuckDbConnectionPool(credentials)  # dlt's way to open the file with its settings

    schema = dataset_name.replace('"', '""')

    def holds(table: str, start: date, end: date) -> bool:
        conn = pool.borrow_conn()
        try:
            try:
                found = conn.execute(
                    f'SELECT 1 FROM "{schema}"."{table}" WHERE date >= ? AND date < ? LIMIT 1',
                    [start, end],
                ).fetchall()
            except duckdb.CatalogException:
                # no such table under that name: none at all, unless one stands in any schema
                # (a dataset name dlt normalized must not pass for an empty table)
                found = conn.execute(
                    "SELECT 1 FROM information_schema.tables WHERE table_name = ? LIMIT 1",
                    [table],
                ).fetchall()
        finally:
            pool.return_conn(conn)
        return bool(found)

    return holds


def _source(**options: Any) -> Any:
    try:
        return atlas_billing_source(**options)
    except ConfigFieldMissingException as exc:
        if "api_key" in exc.fields:
            raise ConfigurationError(
                "no API key: set SOURCES__ATLAS_BILLING__API_KEY or api_key under"
                " [sources.atlas_billing] in .dlt/secrets.toml"
            ) from None
        raise ConfigurationError(f"missing configuration: {', '.join(exc.fields)}") from None


def _configured(pipeline_name: str, key: str) -> str | None:
    """A pipeline setting from dlt config (`[pipelines.<name>]`, or top level)."""
    value: Any = dlt.config.get(f"pipelines.{pipeline_name}.{key}") or dlt.config.get(key)
    return str(value) if value else None


def _destination(
    destination: str | Destination[Any, Any],
    duckdb_path: Path,
    dataset_name: str,
    *,
    bigquery_project: str | None,
    bigquery_location: str | None,
) -> Destination[Any, Any]:
    if isinstance(destination, Destination):
        return destination
    if destination == "duckdb":
        default_threads = _check_duckdb_file(duckdb_path, dataset_name)
        return dlt.destinations.duckdb(
            credentials=_duckdb_credentials(duckdb_path, _load_threads(default_threads))
        )
    if destination == "bigquery":
        return bigquery_destination(project=bigquery_project, location=bigquery_location)
    raise ConfigurationError(
        f"unknown destination {destination!r}; supported: {', '.join(DESTINATIONS)}"
    )


def _duckdb_credentials(path: Path, threads: int) -> DuckDbCredentials:
    """The DuckDB file with the load's settings: ours and `threads`, then any the user gave in
    dlt config.

    DuckDB otherwise takes up to 80% of the machine's memory and keeps insertion order, so the
    load's memory grows with the rows per load; with a cap it spills to a temporary directory
    beside the file instead, and a long backfill stays as flat as a short one.
    """
    # asked as a dict: an environment variable holds it as JSON text, which dlt then parses
    # (and refuses, naming the setting, where it is not a JSON object)
    configured = dlt.config.get("destination.duckdb.credentials.global_config", dict)
    settings = {**DUCKDB_SETTINGS, "threads": threads, **(configured or {})}
    return DuckDbCredentials(
        # absolute: dlt resolves a relative path against the directory of the pipeline's first
        # run, so the same command run from elsewhere loaded a file other than the one it named
        str(path.resolve()),
        global_config=settings,
    )


def _load_threads(default_threads: int) -> int:
    """DuckDB's threads for the load: half of its own default (a thread per core it sees), at
    least 1.

    dlt inserts each table's file on a connection of its own, and /model-costs and /model-usage
    (nearly all the rows) side by side, so each insert gets half the cores and together they use
    them all. At DuckDB's default each of the two inserts ran on every core, which kept buffers
    per thread for no speed: on the full benchmark's 2-year backfill the load step peaked ~35 MB
    higher (6 months: ~10 MB), its inserts as fast (bench/PERFORMANCE.md, step 15).
    """
    return max(1, default_threads // 2)


def _with_layout(source: Any, destination_name: str) -> Any:
    """The warehouse-specific table layout: the only place the source meets the destination."""
    if destination_name == "bigquery":
        return with_bigquery_layout(source)
    return source


def _check_duckdb_file(path: Path, dataset_name: str) -> int:
    """Fail with one line, before any work, on a DuckDB file that cannot be used; return
    DuckDB's default threads, asked while the file is open (opening a DuckDB database costs
    20-40 ms here, so it is opened once for both).

    DuckDB names a file's catalog after the file, and a catalog named like the dataset makes
    `dataset.table` ambiguous to DuckDB, which dlt's SQL cannot get around. A file locked by
    another process, or one that cannot be created, is caught here too.
    """
    if path.stem == dataset_name:
        raise ConfigurationError(
            f"the DuckDB file {path} is named like the dataset {dataset_name!r}, which DuckDB"
            f" cannot tell apart; use another file name (default: {DEFAULT_DUCKDB_PATH})"
        )
    try:
        with duckdb.connect(str(path)) as connection:
            row = connection.execute("select current_setting('threads')").fetchone()
    except duckdb.Error as exc:
        raise duckdb_file_error(
            path, exc, "choose a --duckdb-path where a DuckDB file can be created or opened"
        ) from None
    assert row is not None  # a setting always has a value
    return int(row[0])


def duckdb_file_error(path: Path, error: duckdb.Error, fix: str) -> ConfigurationError:
    """One line for a DuckDB file that would not open: DuckDB's first line, and the fix (`fix`,
    unless another process holds the file's lock)."""
    reason = _first_line(error)
    if "lock" in reason.lower():
        fix = "another process has it open: wait for it to finish, or close it"
    return ConfigurationError(f"cannot open DuckDB file {path}: {reason}; {fix}")


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turns dlt's wrapping of a failed step back into the AtlasBillingError behind it."""
    try:
        yield
    except PipelineStepFailed as error:
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, AtlasBillingError):
                raise cause from None
            cause = cause.__cause__ or cause.__context__
        raise AtlasBillingError(
            f"the {error.step} step failed: {_first_line(error.exception)}"
        ) from error


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _days_text(days: Mapping[str, str]) -> str:
    values = set(days.values())
    if len(values) == 1:
        return f"days {values.pop()}"
    return ", ".join(f"{name} {value}" for name, value in days.items()) or "nothing new"


def _report(on_progress: Callable[[str], None] | None, message: str) -> None:
    if on_progress is not None:
        on_progress(message)
