"""`atlas-billing report`: answers from the marts, as plain aligned text tables.

Spend by API key and by model for a period, the balance and its runway, the reconciliation of
model spend against the balance, and the credits about to expire. It reads the marts the dbt
project built in the DuckDB file, or in BigQuery with `--destination bigquery` (the project,
location and credentials of the load: see pipelines/bigquery.py); `atlas-billing run` builds
them after each load.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from dlt.common.destination import Destination

from pipelines.load import DEFAULT_DUCKDB_PATH, DESTINATIONS, duckdb_file_error
from pipelines.transform import marts_schema
from sources.atlas_billing.errors import ConfigurationError

DEFAULT_PERIOD_DAYS = 30
MAX_ROWS = 15
"""Rows per table before the rest is summed up in one line."""
MINIMUMS = (
    ("model APIs", "model_api", "0.50"),
    ("DevPod", "devpod", "3.00"),
    ("Serverless GPU", "serverless_gpu", "5.00"),
    ("Storage", "storage", "5.00"),
)
"""The minimum balances of the pricing page: label, mart column infix, dollars."""
MARTS = (
    "atlas_billing__spend_daily",
    "atlas_billing__balance_history",
    "atlas_billing__balance_reconciliation",
    "atlas_billing__credit_expiry",
)


def register(subparsers: Any) -> None:
    """Add the `report` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="print spend, balance, reconciliation and expiring credits from the marts",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--duckdb-path",
        "--path",
        type=Path,
        default=DEFAULT_DUCKDB_PATH,
        help=f"the DuckDB file the run loaded (default: ./{DEFAULT_DUCKDB_PATH})",
    )
    parser.add_argument(
        "--destination", choices=DESTINATIONS, default="duckdb", help="where the marts are"
    )
    parser.add_argument("--bigquery-project", help="BigQuery project (default: dlt config)")
    parser.add_argument("--bigquery-location", help="BigQuery location (default: dlt config)")
    parser.add_argument("--start", type=_day, help="first day of the spend period, YYYY-MM-DD")
    parser.add_argument("--end", type=_day, help="day the spend period stops before, YYYY-MM-DD")
    parser.add_argument(
        "--days",
        type=int,
        default=DEFAULT_PERIOD_DAYS,
        help=f"length of the spend period without --start (default {DEFAULT_PERIOD_DAYS})",
    )
    parser.set_defaults(handler=handle_report)


def handle_report(args: argparse.Namespace) -> int:
    """Print the report for the warehouse and period on the command line."""
    warehouse: Path | Destination[Any, Any] = args.duckdb_path
    if args.destination == "bigquery":
        from pipelines.bigquery import bigquery_destination

        warehouse = bigquery_destination(
            project=args.bigquery_project, location=args.bigquery_location
        )
    print(render_report(warehouse, start=args.start, end=args.end, days=args.days))
    return 0


@dataclass(frozen=True)
class Period:
    """A half-open range of UTC days [start, end)."""

    start: date
    end: date

    def __str__(self) -> str:
        return f"{self.start} .. {self.end - timedelta(days=1)}"


def render_report(
    warehouse: str | Path | Destination[Any, Any],
    *,
    start: date | None = None,
    end: date | None = None,
    days: int = DEFAULT_PERIOD_DAYS,
) -> str:
    """The whole report as text. The period defaults to the last `days` days loaded.

    `warehouse` is a DuckDB file or a dlt BigQuery destination (its project and credentials).
    """
    opened = (
        _bigquery_marts(warehouse)
        if isinstance(warehouse, Destination)
        else _duckdb_marts(Path(warehouse))
    )
    with opened as marts:
        period = _period(marts, start, end, days)
        sections = [
            _spend_by_key(marts, period),
            _spend_by_model(marts, period),
            _balance(marts),
            _reconciliation(marts),
            _expiring_credits(marts),
        ]
    return "\n\n".join(section for section in sections if section) + "\n"


Query = Callable[[str, list[Any]], list[tuple[Any, ...]]]


class _Marts:
    """Queries against the marts of one schema, in DuckDB's or BigQuery's SQL.

    The queries name the schema `{schema}` and the boolean aggregates `{bool_and}`/`{bool_or}`
    (BigQuery calls them logical_and/logical_or); parameters are positional `?`.
    """

    def __init__(
        self,
        query: Query,
        *,
        schema: str,
        schema_sql: str,
        tables: set[str],
        functions: dict[str, str] | None = None,
    ) -> None:
        self.query = query
        self.placeholders = {
            "{schema}": schema_sql,
            "{bool_and}": "bool_and",
            "{bool_or}": "bool_or",
            **(functions or {}),
        }
        missing = [name for name in MARTS if name not in tables]
        if missing:
            raise ConfigurationError(
                f"the marts are not built ({', '.join(missing)} missing in schema {schema}); "
                "run `atlas-billing run` (without --no-dbt) first"
            )

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        for placeholder, text in self.placeholders.items():
            sql = sql.replace(placeholder, text)
        return self.query(sql, list(params))

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self.rows(sql, params)
        return rows[0] if rows else None


@contextmanager
def _duckdb_marts(path: Path) -> Iterator[_Marts]:
    if not path.exists():
        raise ConfigurationError(f"no DuckDB file at {path}; run `atlas-billing run` first")
    schema = marts_schema()
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise duckdb_file_error(
            path, exc, "give the DuckDB file `atlas-billing run` loaded (--duckdb-path)"
        ) from None
    with connection as con:
        con.execute("SET TimeZone = 'UTC'")
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
        }
        yield _Marts(
            lambda sql, params: con.execute(sql, params).fetchall(),
            schema=schema,
            schema_sql=schema,
            tables=tables,
        )


@contextmanager
def _bigquery_marts(destination: Destination[Any, Any]) -> Iterator[_Marts]:
    from google.api_core.exceptions import NotFound
    from google.cloud import bigquery

    from pipelines.bigquery import bigquery_client

    client = bigquery_client(destination)
    schema = marts_schema()
    try:
        tables = {table.table_id for table in client.list_tables(f"{client.project}.{schema}")}
    except NotFound:
        tables = set()
    types = {date: "DATE", int: "INT64", str: "STRING"}

    def query(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        config = bigquery.QueryJobConfig(
            query_parameters=[
                bigquery.ScalarQueryParameter(None, types[type(value)], value) for value in params
            ]
        )
        return [tuple(row.values()) for row in client.query(sql, job_config=config).result()]

    try:
        yield _Marts(
            query,
            schema=schema,
            schema_sql=f"`{client.project}`.`{schema}`",
            tables=tables,
            functions={"{bool_and}": "logical_and", "{bool_or}": "logical_or"},
        )
    finally:
        client.close()


def _period(marts: _Marts, start: date | None, end: date | None, days: int) -> Period:
    if days < 1:
        raise ConfigurationError(f"--days must be 1 or more, got {days}")
    # the last day loaded: the latest snapshot's day even when nothing was spent on it yet
    last = marts.one(
        """
        select max(day) from (
            select max(date) as day from {schema}.atlas_billing__spend_daily
            union all
            select cast(max(snapshot_at) as date) from {schema}.atlas_billing__balance_history
        ) as days
        """
    )
    last_day = last[0] if last and last[0] else date.today()
    end = end or (start + timedelta(days=days) if start else last_day + timedelta(days=1))
    start = start or end - timedelta(days=days)
    if end <= start:
        raise ConfigurationError(f"--end {end} must come after --start {start}")
    return Period(start, end)


def _spend_by_key(marts: _Marts, period: Period) -> str:
    rows = marts.rows(
        """
        select api_key_id, sum(cost_usd), sum(requests), count(distinct model),
               {bool_and}(is_final)
        from {schema}.atlas_billing__spend_daily
        where date >= ? and date < ?
        group by api_key_id
        order by sum(cost_usd) desc, api_key_id
        """,
        [period.start, period.end],
    )
    total = sum((row[1] for row in rows), Decimal(0))
    body = [
        [
            row[0] or "(no key: Playground)",
            _usd(row[1]),
            _share(row[1], total),
            _count(row[2]),
            str(row[3]),
        ]
        for row in rows
    ]
    title = f"Spend by API key, {period}{_finality_note(marts, period)}"
    return _section(
        title,
        ["api key", "cost", "share", "requests", "models"],
        body,
        total_row=["total", _usd(total), "100.0%" if rows else "", "", ""],
    )


def _spend_by_model(marts: _Marts, period: Period) -> str:
    rows = marts.rows(
        """
        select model, model_type, sum(cost_usd), sum(requests),
               sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)),
               sum(images), sum(videos)
        from {schema}.atlas_billing__spend_daily
        where date >= ? and date < ?
        group by model, model_type
        order by sum(cost_usd) desc, model
        """,
        [period.start, period.end],
    )
    total = sum((row[2] for row in rows), Decimal(0))
    body = [
        [
            row[0] or "(all models)",
            row[1] or "",
            _usd(row[2]),
            _share(row[2], total),
            _count(row[3]),
            _count(row[4] or None),
            _count(row[5]),
            _count(row[6]),
        ]
        for row in rows
    ]
    return _section(
        f"Spend by model, {period}",
        ["model", "type", "cost", "share", "requests", "tokens", "images", "videos"],
        body,
        total_row=["total", "", _usd(total), "100.0%" if rows else "", "", "", "", ""],
    )


def _balance(marts: _Marts) -> str:
    row = marts.one(
        f"""
        select snapshot_at, account_name, account_id, available_usd, cash_usd, bonus_usd,
               subscription_bonus_usd, frozen_usd, burn_rate_usd_per_day, would_auto_top_up,
               {", ".join(f"runway_days_to_{column}_minimum" for _, column, _ in MINIMUMS)}
        from {{schema}}.atlas_billing__balance_history
        order by snapshot_at desc
        limit 1
        """
    )
    if row is None:
        return "Balance\n  no balance snapshot loaded (the API key cannot read /balance?)"
    snapshot_at, name, account_id, available, cash, bonus, subscription, frozen, burn, auto = row[
        :10
    ]
    runways = row[10:]
    lines = [
        f"Balance at {_time(snapshot_at)} ({name or 'account'} {account_id or ''})".rstrip(),
        f"  available {_usd(available)} = cash {_usd(cash)} + bonus {_usd(bonus)}"
        f" + subscription {_usd(subscription)} - frozen {_usd(frozen)}",
        f"  burn rate {_usd(burn)}/day (everything spending drew, trailing window)"
        if burn is not None
        else "  burn rate unknown (needs two snapshots)",
        f"  auto top-up (below $10): {'would fire now' if auto else 'not triggered'}",
    ]
    body = [
        [f"{label} (${minimum})", _days(runway)]
        for (label, _, minimum), runway in zip(MINIMUMS, runways, strict=True)
    ]
    return "\n".join(lines) + "\n" + _table(["runway until below", "days"], body, indent="  ")


def _reconciliation(marts: _Marts) -> str:
    summary = marts.one(
        """
        select count(*), min(period_start), max(period_end), sum(model_spend_usd),
               sum(other_spend_usd), sum(top_ups_usd), sum(expired_credits_usd),
               {bool_or}(costs_scope <> 'account'), {bool_or}(costs_filtered),
               {bool_or}(model_spend_basis = 'partial_days')
        from {schema}.atlas_billing__balance_reconciliation
        """
    )
    if summary is None or not summary[0]:
        return "Reconciliation\n  needs two balance snapshots (run the load again later)"
    (
        count,
        first,
        last,
        model,
        other,
        top_ups,
        expired,
        any_self,
        any_filtered,
        any_partial_days,
    ) = summary
    statuses = marts.rows(
        """
        select status, count(*) from {schema}.atlas_billing__balance_reconciliation
        group by status order by count(*) desc, status
        """
    )
    lines = [
        f"Reconciliation of the balance, {count} intervals {_time(first)} .. {_time(last)}",
        f"  top-ups {_usd(top_ups)}, expired credits {_usd(expired)}, model spend {_usd(model)},"
        f" other spend (DevPod/GPU/storage or unexplained) {_usd(other)}",
        "  status: " + ", ".join(f"{status} {n}" for status, n in statuses),
    ]
    found = {status for status, _ in statuses}
    opposite_signs = {"model_spend_exceeds_balance_drop", "unexplained_spend_above_tolerance"}
    if any_partial_days and opposite_signs <= found:
        # intervals with cost observations count a restatement where it was charged
        lines.append(
            "  other spend of opposite signs in nearby intervals between snapshots loaded"
            " without cost observations is usually a restated day (a refund or late charge)"
            " that hit the balance after the day's interval: such pairs even out"
        )
    if any_self:
        lines.append(
            "  costs were loaded with scope=self for some intervals: they cover one user's keys,"
            " so those intervals are not reconciled against the account balance"
        )
    if any_filtered:
        lines.append(
            "  costs were loaded with filters (model_ids, api_key_ids, model_types) for some"
            " intervals: they leave out part of the account's spend, so those intervals are not"
            " reconciled against the account balance"
        )
    flagged = marts.rows(
        """
        select period_start, period_end, model_spend_usd, other_spend_usd, status
        from {schema}.atlas_billing__balance_reconciliation
        where status <> 'reconciled'
        order by period_end desc
        limit ?
        """,
        [MAX_ROWS],
    )
    if flagged:
        body = [[_time(r[0]), _time(r[1]), _usd(r[2]), _usd(r[3]), r[4]] for r in reversed(flagged)]
        lines.append(
            _table(
                ["from", "to", "model spend", "other spend", "status"],
                body,
                indent="  ",
                title=f"latest intervals not reconciled (up to {MAX_ROWS}):",
            )
        )
    return "\n".join(lines)


def _expiring_credits(marts: _Marts) -> str:
    header = marts.one(
        """
        select max(as_of_at), max(balance_snapshot_at), sum(remaining_usd),
               sum(case when is_expiring_soon then remaining_usd else 0 end),
               {bool_and}(is_pool_explained), count(*)
        from {schema}.atlas_billing__credit_expiry
        """
    )
    unexplained = marts.rows(
        """
        select pool, max(pool_unexplained_usd) from {schema}.atlas_billing__credit_expiry
        where not is_pool_explained group by pool order by pool
        """
    )
    if header is None or not header[5]:
        balance = marts.one(
            "select credit_balance_usd from {schema}.atlas_billing__balance_history"
            " order by snapshot_at desc limit 1"
        )
        if balance is None:
            return "Credits and expiry\n  needs a balance snapshot"
        return (
            "Credits and expiry\n  no credit lots known: the purchase ledger is empty and no"
            f" top-up could be inferred yet, so none of the {_usd(balance[0])} held can be dated"
            " (pass --credit-ledger PATH to atlas-billing run)"
        )
    as_of, snapshot_at, remaining, expiring = header[:4]
    rows = marts.rows(
        """
        select lot_id, kind, lot_source, purchased_at, expires_at, amount_usd, remaining_usd,
               days_to_expiry, projected_unused_usd, is_expiring_soon
        from {schema}.atlas_billing__credit_expiry
        where remaining_usd > 0
        order by expires_at, purchased_at, lot_id
        limit ?
        """,
        [MAX_ROWS],
    )
    lines = [
        f"Credits and expiry as of {_time(as_of)} (balance of {_time(snapshot_at)})",
        f"  held in known lots {_usd(remaining)}; expiring within the warning window"
        f" {_usd(expiring)}",
    ]
    for pool, amount in unexplained:
        lines.append(
            f"  WARNING: {_usd(amount)} of the {pool} balance is in no known lot: the purchase"
            " ledger is incomplete"
        )
    body = [
        [
            r[0],
            r[1],
            r[2],
            _time(r[3]),
            _time(r[4]),
            _usd(r[5]),
            _usd(r[6]),
            str(r[7]),
            _usd(r[8]),
            "yes" if r[9] else "",
        ]
        for r in rows
    ]
    lines.append(
        _table(
            [
                "lot",
                "kind",
                "source",
                "granted",
                "expires",
                "amount",
                "remaining",
                "days left",
                "unused at expiry",
                "soon",
            ],
            body,
            indent="  ",
            title=f"lots still holding credit, soonest expiry first (up to {MAX_ROWS}):",
        )
    )
    return "\n".join(lines)


def _finality_note(marts: _Marts, period: Period) -> str:
    row = marts.one(
        """
        select count(distinct case when not is_final then date end),
               {bool_or}(is_partial)
        from {schema}.atlas_billing__spend_daily where date >= ? and date < ?
        """,
        [period.start, period.end],
    )
    if not row or not row[0]:
        return ""
    partial = ", today partial" if row[1] else ""
    return f" ({row[0]} days not final yet{partial})"


def _section(
    title: str, headers: list[str], body: list[list[str]], total_row: list[str] | None = None
) -> str:
    if not body:
        return f"{title}\n  no spend in this period"
    shown = body[:MAX_ROWS]
    if len(body) > MAX_ROWS:
        shown.append([f"... {len(body) - MAX_ROWS} more"] + [""] * (len(headers) - 1))
    if total_row is not None:
        shown.append(total_row)
    return _table(headers, shown, indent="  ", title=title, top_level=True)


def _table(
    headers: list[str],
    body: list[list[str]],
    *,
    indent: str = "",
    title: str | None = None,
    top_level: bool = False,
) -> str:
    """Columns padded to their widest cell; text left-aligned, numbers right-aligned."""
    widths = [max(len(row[i]) for row in [headers, *body]) for i in range(len(headers))]
    numeric = [
        all(_looks_numeric(row[i]) for row in body if row[i]) and any(row[i] for row in body)
        for i in range(len(headers))
    ]

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(width) if is_number else cell.ljust(width)
            for cell, width, is_number in zip(cells, widths, numeric, strict=True)
        ]
        return (indent + "  ".join(padded)).rstrip()

    out = [title if top_level else f"{indent}{title}"] if title else []
    out.append(line(headers))
    out.append(indent + "  ".join("-" * width for width in widths))
    out.extend(line(row) for row in body)
    return "\n".join(out)


def _looks_numeric(cell: str) -> bool:
    return cell.lstrip("-$").replace(",", "").replace(".", "").replace("%", "").isdigit()


def _usd(amount: Decimal | None) -> str:
    if amount is None:
        return "-"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _share(amount: Decimal, total: Decimal) -> str:
    return f"{amount / total * 100:.1f}%" if total else ""


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _days(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _time(value: datetime | date | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-05-01") from None
