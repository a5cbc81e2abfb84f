"""dlt source for the Atlas Cloud Billing Public API: balance snapshots, daily model costs and
usage per API key and model, daily cost totals, and the model -> model_type list.

Configure it under `[sources.atlas_billing]` in `.dlt/config.toml` and `.dlt/secrets.toml`, or
with environment variables such as `SOURCES__ATLAS_BILLING__API_KEY`.

Daily tables are incremental on the last closed day (`closed_through` in each resource's state):
every run reads the last `lookback_days` closed days again and what came after them through the
server's today, and replaces each day it read whole: the load deletes the days it read, named as
constants (`replace_days`), then inserts what it read. Constants let a warehouse that partitions by
day (BigQuery) touch only those days' partitions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.schema.typing import (
    TDeleteInsertStrategyDict,
    TTableSchemaColumns,
    TWriteDispositionConfig,
)
from dlt.sources import DltResource

from sources.atlas_billing import mapping, settings
from sources.atlas_billing.client import AtlasBillingClient
from sources.atlas_billing.errors import ConfigurationError
from sources.atlas_billing.helpers import (
    BillingReader,
    DayRange,
    LoadProgress,
    ReadSettings,
    filter_batches,
    parse_day,
    resource_state,
)

_DELETE_INSERT: TWriteDispositionConfig = {"disposition": "merge", "strategy": "delete-insert"}
_DAY_ROWS_DELETE_INSERT = TDeleteInsertStrategyDict(
    disposition="merge", strategy="delete-insert", deduplicated=True
)
"""model_costs and model_usage: the load deletes the days it read (`replace_days`) and inserts
their rows, so the tables need no key column (dbt's staging models derive `row_key`). The API
sends each group once a day (checked as pages are read, `mapping.GroupsOfADay`), so the load
skips dlt's deduplication of the staged rows, a window function over every row loaded."""
_DAY_ROW_COLUMNS: TTableSchemaColumns = {
    "date": {"data_type": "date", "nullable": False},
    mapping.DAY_MARKER: {"data_type": "bool", "nullable": True, "hard_delete": True},
}


@dlt.source(name="atlas_billing", max_table_nesting=0)
def atlas_billing_source(
    api_key: str = dlt.secrets.value,
    base_url: str = settings.DEFAULT_BASE_URL,
    allow_insecure_base_url: bool = False,
    start_date: str | None = None,
    end_date: str | None = None,
    scope: str = settings.DEFAULT_SCOPE,
    grain: str = settings.DEFAULT_GRAIN,
    model_ids: list[str] | None = None,
    api_key_ids: list[str] | None = None,
    model_types: list[str] | None = None,
    lookback_days: int = settings.DEFAULT_LOOKBACK_DAYS,
    read_lookback: bool = True,
    page_size: int = settings.DEFAULT_PAGE_SIZE,
    window_days: int = settings.MAX_WINDOW_DAYS,
    max_days: int | None = None,
    max_in_flight: int = settings.DEFAULT_MAX_IN_FLIGHT,
    request_timeout_seconds: float = settings.DEFAULT_REQUEST_TIMEOUT_SECONDS,
    max_attempts: int = settings.DEFAULT_MAX_ATTEMPTS,
    max_retry_seconds: float = settings.DEFAULT_MAX_RETRY_SECONDS,
    load_balance: bool = True,
    progress: LoadProgress | None = None,
    holds_days: Callable[[str, date, date], bool] | None = None,
) -> Sequence[DltResource]:
    """The Atlas Cloud billing resources of one account.

    Args:
        api_key: An API key secret (`apikey-...`); scope=account needs account-level model
            billing read permission, the balance needs account balance read permission.
        base_url: The API's base URL, ending in `/public/v1`. HTTPS, or plain HTTP on loopback.
        allow_insecure_base_url: Accept a plain-HTTP base_url that is not loopback (the key then
            crosses the network unencrypted).
        start_date: First UTC day to load (`YYYY-MM-DD`); required until a first load is done.
        end_date: Day to stop before (exclusive); default: through the server's today.
        scope: `account` (every key of the account) or `self` (the key's own usage).
        grain: Group keys of model_costs/model_usage: `model,api_key` (finest), `model`,
            `api_key` or `model_type`.
        model_ids, api_key_ids, model_types: Optional filters (any length: requests are batched).
        lookback_days: Closed days (up to the last one) that every run reads again, because
            refunds and late charges can still change a closed day.
        read_lookback: False goes on right after the last closed day instead: for the later
            loads of one backfill, whose first load read the lookback already.
        page_size: Result rows per page (1..1000).
        window_days: Days per request (at most the API's 180).
        max_days: Read at most this many days per load, so a long backfill commits in chunks;
            `progress.more_to_read` then tells whether another load is needed.
        max_in_flight: Requests sent at the same time (fewer while the API rate-limits).
        request_timeout_seconds, max_attempts, max_retry_seconds: HTTP timeouts and retry bounds.
        load_balance: Whether to take a balance snapshot (needs balance read permission).
        progress: Counters of requests, retries, windows, pages and rows, with an optional
            callback for progress lines.
        holds_days: Tells whether the warehouse holds any row of a table dated in [start, end)
            (`pipelines.load` asks DuckDB). Where model_costs or model_usage holds none of the
            days a load reads, their rows are appended instead of merged: one copy of the rows
            instead of two (no staging table). Without it, every load merges.

    Returns:
        The resources `model_costs`, `model_usage`, `daily_cost_totals`, `models` and (unless
        `load_balance` is false) `balance_snapshots`, which also loads the table
        `balance_cost_observations`.
    """
    if not isinstance(api_key, str) or not api_key.startswith(settings.API_KEY_PREFIX):
        raise ConfigurationError(
            "api_key must be an Atlas Cloud API key secret starting with"
            f" '{settings.API_KEY_PREFIX}' (an 'ak_...' value is a key's public id, not a secret)"
        )
    if scope not in settings.SCOPES:
        raise ConfigurationError(
            f"scope must be one of {', '.join(settings.SCOPES)}, got {scope!r}"
        )
    grain_keys = tuple(part.strip() for part in str(grain).split(",") if part.strip())
    grain = next((g for g, keys in settings.GRAINS.items() if set(keys) == set(grain_keys)), "")
    if not grain:
        raise ConfigurationError(
            f"grain must be one of {', '.join(settings.GRAINS)}, got {','.join(grain_keys)!r}"
        )
    start = parse_day(start_date, "start_date")
    end = parse_day(end_date, "end_date")
    if start is not None and end is not None and end <= start:
        raise ConfigurationError(
            f"end_date {end} must be after start_date {start} (end_date is exclusive)"
        )
    if not 1 <= page_size <= settings.MAX_PAGE_SIZE:
        raise ConfigurationError(f"page_size must be 1..{settings.MAX_PAGE_SIZE}, got {page_size}")
    if lookback_days < 0:
        raise ConfigurationError(f"lookback_days must be 0 or more, got {lookback_days}")
    if not 1 <= window_days <= settings.MAX_WINDOW_DAYS:
        raise ConfigurationError(
            f"window_days must be 1..{settings.MAX_WINDOW_DAYS}, got {window_days}"
        )
    if max_days is not None and max_days < 1:
        raise ConfigurationError(f"max_days must be 1 or more, got {max_days}")

    progress = progress or LoadProgress()
    client = AtlasBillingClient(
        base_url,
        api_key,
        request_timeout_seconds=request_timeout_seconds,
        max_attempts=max_attempts,
        max_retry_seconds=max_retry_seconds,
        max_in_flight=max_in_flight,
        stats=progress.requests,
        allow_insecure_base_url=allow_insecure_base_url,
    )
    reader = BillingReader(
        client,
        ReadSettings(
            scope=scope,
            grain=grain,
            start_date=start,
            end_date=end,
            lookback_days=lookback_days,
            read_lookback=read_lookback,
            page_size=page_size,
            window_days=window_days,
            max_days=max_days,
            max_in_flight=max(1, max_in_flight),
            filters=filter_batches(
                model_ids=model_ids, api_key_ids=api_key_ids, model_types=model_types
            ),
            load_balance=load_balance,
        ),
        progress,
    )
    resources = [
        model_costs(reader, holds_days),
        model_usage(reader, holds_days),
        daily_cost_totals(reader),
        models(reader),
    ]
    if load_balance:
        resources.append(balance_snapshots(reader))
    return resources


@dlt.resource(
    write_disposition=_DAY_ROWS_DELETE_INSERT,
    parallelized=True,
    columns={**_DAY_ROW_COLUMNS, **mapping.money_columns(["amount_usd"])},
)
def model_costs(
    reader: BillingReader, holds_days: Callable[[str, date, date], bool] | None = None
) -> Iterator[pa.Table]:
    """Daily model cost per group of the configured grain (default: model and API key).

    Reads days [closed_through + 1 - lookback_days, server today] (or from `start_date` on the
    first run); each of those days is replaced whole, so restated days lose rows that vanished.
    """
    yield from _daily_rows(reader, "model_costs", "/model-costs", "costs", holds_days)


@dlt.resource(
    write_disposition=_DAY_ROWS_DELETE_INSERT,
    parallelized=True,
    columns={
        **_DAY_ROW_COLUMNS,
        **mapping.count_columns(mapping.USAGE_COUNT_FIELDS),
    },
)
def model_usage(
    reader: BillingReader, holds_days: Callable[[str, date, date], bool] | None = None
) -> Iterator[pa.Table]:
    """Daily request and token/image/video counts per group of the configured grain.

    Same days and replacement as `model_costs`; every count column exists even when the API
    leaves it out for a model type, and unknown result fields become extra columns.
    """
    yield from _daily_rows(reader, "model_usage", "/model-usage", "usage", holds_days)


def _daily_rows(
    reader: BillingReader,
    name: str,
    endpoint: str,
    kind: str,
    holds_days: Callable[[str, date, date], bool] | None,
) -> Iterator[pa.Table]:
    with reader.pacer.reading_pages():
        state = resource_state()
        cuts = reader.plan(name, state)
        # Days the warehouse holds no row of need no deleting: their rows are appended. A run
        # killed after appending some leaves rows there, so the run after it finds them and merges.
        append = (
            bool(cuts)
            and holds_days is not None
            and not holds_days(name, cuts[0].start, cuts[-1].end)
        )
        tables = reader.grouped_tables(name, endpoint, kind, cuts, day_markers=not append)
        yield from _replacing_days(tables, cuts, append=append)
        reader.record(name, cuts, state)


def replace_days(days: DayRange) -> TWriteDispositionConfig:
    """The merge that replaces `days` whole: delete them, then insert the rows read for them.

    The days are constants on the `date` column, so a warehouse partitioned by day reads and
    rewrites only their partitions. (A `merge_key="date"` would match the stored rows against the
    new ones in a subquery, which BigQuery cannot prune: every run would scan the whole table.)
    Rows that vanished from a re-read day go with it, whether or not other rows came back.
    """
    return TDeleteInsertStrategyDict(
        **_DAY_ROWS_DELETE_INSERT,
        destination_scope=(
            f"date >= DATE '{days.start.isoformat()}' AND date < DATE '{days.end.isoformat()}'"
        ),
    )


def _replacing_days(
    tables: Iterable[pa.Table], cuts: Sequence[DayRange], *, append: bool = False
) -> Iterator[Any]:
    """The tables read for `cuts`, the first carrying the hint that replaces those days (with
    `append`, days the warehouse holds no row of: the hint that appends their rows).

    The days are known only once the resource runs, so the hint travels with the data. Each
    window yields a table even when its days are empty (day-marker rows, or a zero total), so a
    load that read days always deletes them (appended days hold nothing to delete).
    """
    if not cuts:
        yield from tables
        return
    hints = (
        # no day markers come with appended rows, so no hard_delete (dlt warns of it on append)
        dlt.mark.make_hints(
            write_disposition="append", columns={mapping.DAY_MARKER: {"hard_delete": False}}
        )
        if append
        else dlt.mark.make_hints(
            write_disposition=replace_days(DayRange(cuts[0].start, cuts[-1].end))
        )
    )
    for index, table in enumerate(tables):
        yield dlt.mark.with_hints(table, hints) if index == 0 else table


@dlt.resource(
    write_disposition=_DELETE_INSERT,
    primary_key="date",
    parallelized=True,
    columns=mapping.money_columns(["amount_usd"]),
)
def daily_cost_totals(reader: BillingReader) -> Iterator[pa.Table]:
    """The ungrouped /model-costs amount of each day (zero for a day without costs).

    One row a day over the same days as `model_costs`, so completeness can be checked downstream:
    a day's model_costs rows add up to its total.
    """
    state = resource_state()
    cuts = reader.plan("daily_cost_totals", state)
    yield from _replacing_days(reader.daily_totals("daily_cost_totals", cuts), cuts)
    reader.record("daily_cost_totals", cuts, state)


@dlt.resource(write_disposition=_DELETE_INSERT, primary_key="model", parallelized=True)
def models(reader: BillingReader) -> Iterator[pa.Table]:
    """Every model with costs in the days read, with its model_type (merged on model).

    Needed because results grouped by model and API key carry no model_type.
    """
    state = resource_state()
    cuts = reader.plan("models", state)
    yield from reader.models("models", cuts)
    reader.record("models", cuts, state)


@dlt.resource(write_disposition=_DELETE_INSERT, primary_key="snapshot_at", parallelized=True)
def balance_snapshots(reader: BillingReader) -> Iterator[Any]:
    """A balance snapshot stamped with the server's `Date`: a history with one row per run.

    Carries every money field of /balance including the credit line (null where the API omits
    it), the scope the costs were loaded with, and the server's partial day with its ungrouped
    cost as it stood at the snapshot, so the balance can be reconciled with spend. Rows are never
    deleted; only a second snapshot within the same server second replaces the first, so that
    `snapshot_at` stays a key.

    Also yields the table `balance_cost_observations`: the ungrouped cost of the server's today
    and of the `lookback_days + 1` days before it, as it stood at the snapshot (merged on
    `snapshot_at` and `date`). A closed day restated later moves the balance when it happens;
    these observations tell which interval between snapshots each change fell in.
    """
    # Loaded with days only by the load that reads the last of them, so that only a run that
    # got to the end adds a snapshot, and only when taken with the run's clock (a key that may
    # not read the balance fails the snapshot's own load instead, after the days are in):
    # otherwise `pipelines.load` gives it a load of its own at the end.
    days = [name for name in dlt.current.source().selected_resources if name != "balance_snapshots"]
    if days and (
        not reader.last_load(days, timeout=settings.LAST_LOAD_WAIT_SECONDS)
        or reader.progress.balance_snapshot is None
    ):
        return
    reader.progress.balance_in_load = True
    snapshot, observations = reader.balance()
    # each table its own hints: a table variant would inherit columns given on the resource
    yield dlt.mark.with_hints(snapshot, _SNAPSHOT_HINTS, create_table_variant=True)
    yield dlt.mark.with_hints(observations, _COST_OBSERVATIONS_HINTS, create_table_variant=True)


_SNAPSHOT_HINTS = dlt.mark.make_hints(
    table_name="balance_snapshots",
    write_disposition=_DELETE_INSERT,
    primary_key="snapshot_at",
    columns=mapping.money_columns(
        [column for _, column in mapping.BALANCE_MONEY_FIELDS]
        + [f"credit_grant_{name}_usd" for name in mapping.CREDIT_GRANT_MONEY_FIELDS]
        + ["partial_day_cost_usd"]
    ),
)
_COST_OBSERVATIONS_HINTS = dlt.mark.make_hints(
    table_name="balance_cost_observations",
    write_disposition=_DELETE_INSERT,
    primary_key=["snapshot_at", "date"],
    columns=mapping.money_columns(["amount_usd"]),
)
