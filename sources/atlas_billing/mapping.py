"""The one place where API fields become columns.

Every response shape the source relies on is checked here; anything that breaks the contract
raises `ContractViolation` naming the endpoint, the field and the request_id, so a run stops rather
than loading a guess. Fields the contract does not know are kept as extra columns.

Money is parsed by `parse_money` alone: a six-decimal string in dollars becomes a `Decimal`,
stored as DECIMAL(38,9). Nothing here ever goes through a float.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
from dlt.common.schema.typing import TTableSchemaColumns

from sources.atlas_billing import settings
from sources.atlas_billing.client import ApiResponse
from sources.atlas_billing.errors import ContractViolation

MONEY = pa.decimal128(settings.MONEY_PRECISION, settings.MONEY_SCALE)
TIMESTAMP = pa.timestamp("us", tz="UTC")

_MONEY_VALUE = re.compile(r"-?[0-9]+\.[0-9]{6}")
NULL_KEY = "<null>"
"""How a null group key (e.g. Playground usage without an API key) is written in `row_key`."""

GROUP_KEY_FIELDS = {"model_type": "model_type", "model": "model", "api_key": "api_key_id"}
"""group_by value -> the result field carrying it."""
USAGE_COUNT_FIELDS = ("requests", "input_tokens", "output_tokens", "images", "videos")
DAY_MARKER = "_clears_day"
"""Column of the marker rows that empty a re-read day before its rows go in (dlt `hard_delete`)."""

_RESULT_FIELDS = {"object", "model_type", "model", "api_key_id"}
_COST_FIELDS = _RESULT_FIELDS | {"amount"}
_USAGE_FIELDS = _RESULT_FIELDS | set(USAGE_COUNT_FIELDS)

_DAY_COLUMNS: list[pa.Field] = [
    pa.field("date", pa.date32(), nullable=False),
    pa.field("grain", pa.string()),
    pa.field("scope", pa.string()),
    pa.field("model_type", pa.string()),
    pa.field("model", pa.string()),
    pa.field("api_key_id", pa.string()),
]
_BUCKET_COLUMNS: list[pa.Field] = [
    pa.field("partial", pa.bool_()),
    pa.field("covered_until", TIMESTAMP),
    pa.field("start_at", TIMESTAMP),
    pa.field("end_at", TIMESTAMP),
    pa.field("row_key", pa.string(), nullable=False),
    pa.field(DAY_MARKER, pa.bool_()),
]
COSTS_SCHEMA = pa.schema(
    [
        *_DAY_COLUMNS,
        pa.field("amount_usd", MONEY),
        pa.field("currency", pa.string()),
        *_BUCKET_COLUMNS,
    ]
)
USAGE_SCHEMA = pa.schema(
    [*_DAY_COLUMNS, *(pa.field(name, pa.int64()) for name in USAGE_COUNT_FIELDS), *_BUCKET_COLUMNS]
)
DAILY_TOTALS_SCHEMA = pa.schema(
    [
        pa.field("date", pa.date32(), nullable=False),
        ("scope", pa.string()),
        ("amount_usd", MONEY),
        ("currency", pa.string()),
        ("partial", pa.bool_()),
        ("covered_until", TIMESTAMP),
    ]
)
MODELS_SCHEMA = pa.schema(
    [pa.field("model", pa.string(), nullable=False), pa.field("model_type", pa.string())]
)
BALANCE_MONEY_FIELDS = (
    ("available", "available_usd"),
    ("cash", "cash_usd"),
    ("bonus", "bonus_usd"),
    ("subscription_bonus", "subscription_bonus_usd"),
    ("frozen", "frozen_usd"),
)
CREDIT_GRANT_MONEY_FIELDS = ("granted", "used", "remaining_overdraft", "overdrawn")
BALANCE_SCHEMA = pa.schema(
    [
        pa.field("snapshot_at", TIMESTAMP, nullable=False),
        ("request_id", pa.string()),
        ("account_id", pa.string()),
        ("account_name", pa.string()),
        ("account_type", pa.string()),
        ("currency", pa.string()),
        *((column, MONEY) for _, column in BALANCE_MONEY_FIELDS),
        ("credit_grant_status", pa.string()),
        *((f"credit_grant_{name}_usd", MONEY) for name in CREDIT_GRANT_MONEY_FIELDS),
        ("costs_scope", pa.string()),
        ("partial_day_date", pa.date32()),
        ("partial_day_cost_usd", MONEY),
        ("partial_day_covered_until", TIMESTAMP),
    ]
)


def money_columns(names: Iterable[str]) -> TTableSchemaColumns:
    """dlt column hints typing each named column as DECIMAL(38,9)."""
    return {
        name: {
            "data_type": "decimal",
            "precision": settings.MONEY_PRECISION,
            "scale": settings.MONEY_SCALE,
        }
        for name in names
    }


def count_columns(names: Iterable[str]) -> TTableSchemaColumns:
    """dlt column hints typing each named column as a nullable BIGINT, present even if empty."""
    return {name: {"data_type": "bigint", "nullable": True} for name in names}


def violation(response: ApiResponse, field: str, problem: str) -> ContractViolation:
    """The error for a response that breaks the contract at `field`."""
    return ContractViolation(
        f"response breaks the API contract: {field} {problem}",
        endpoint=response.endpoint,
        param=field,
        request_id=response.request_id,
    )


def parse_money(value: Any, field: str, response: ApiResponse) -> tuple[Decimal, str]:
    """A money object `{"value": "12.345678", "currency": "usd"}` as (Decimal dollars, currency)."""
    if not isinstance(value, dict):
        raise violation(response, field, "is not a money object")
    amount = value.get("value")
    currency = value.get("currency")
    if amount is None:
        raise violation(response, f"{field}.value", "is missing")
    if not isinstance(amount, str) or not _MONEY_VALUE.fullmatch(amount):
        raise violation(response, f"{field}.value", f"is not six-decimal money: {amount!r}")
    if not isinstance(currency, str) or not currency:
        raise violation(response, f"{field}.currency", f"is not a currency code: {currency!r}")
    return Decimal(amount), currency.lower()


def _parse_date(value: Any, field: str, response: ApiResponse) -> date:
    if value is None:
        raise violation(response, field, "is missing")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise violation(response, field, f"is not a YYYY-MM-DD date: {value!r}")


def _parse_timestamp(value: Any, field: str, response: ApiResponse) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed.astimezone(UTC)
    raise violation(response, field, f"is not a UTC timestamp: {value!r}")


def _optional_text(value: Any, field: str, response: ApiResponse) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise violation(response, field, f"is not a string or null: {value!r}")


def _optional_count(value: Any, field: str, response: ApiResponse) -> int | None:
    # bool is an int in Python, but never a count
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise violation(response, field, f"is not an integer count: {value!r}")


@dataclass(frozen=True)
class Bucket:
    """One daily bucket of /model-usage or /model-costs."""

    date: date
    partial: bool
    covered_until: datetime | None
    start_at: datetime | None
    end_at: datetime | None
    results: list[Any]
    field: str
    """Where the bucket sits in the response, for error messages (`data[3]`)."""


def parse_buckets(response: ApiResponse) -> list[Bucket]:
    """The daily buckets of a list response, checked against the contract."""
    data = response.body.get("data")
    if not isinstance(data, list):
        raise violation(response, "data", "is missing or not a list")
    buckets = []
    for index, raw in enumerate(data):
        field = f"data[{index}]"
        if not isinstance(raw, dict):
            raise violation(response, field, "is not an object")
        results = raw.get("results")
        if not isinstance(results, list):
            raise violation(response, f"{field}.results", "is missing or not a list")
        partial = raw.get("partial")
        if not isinstance(partial, bool):
            raise violation(response, f"{field}.partial", f"is not a boolean: {partial!r}")
        buckets.append(
            Bucket(
                date=_parse_date(raw.get("date"), f"{field}.date", response),
                partial=partial,
                covered_until=_parse_timestamp(
                    raw.get("covered_until"), f"{field}.covered_until", response
                ),
                start_at=_parse_timestamp(raw.get("start_at"), f"{field}.start_at", response),
                end_at=_parse_timestamp(raw.get("end_at"), f"{field}.end_at", response),
                results=results,
                field=field,
            )
        )
    return buckets


def response_scope(response: ApiResponse) -> str | None:
    """The `scope` a list response says it covers."""
    return _optional_text(response.body.get("scope"), "scope", response)


def row_key(day: date, grain: str, keys: Sequence[tuple[str, str | None]]) -> str:
    """The non-null key of one result row: its day, grain and group keys (null as `<null>`)."""
    parts = [f"{name}={NULL_KEY if value is None else value}" for name, value in keys]
    return "|".join([day.isoformat(), grain, *parts])


def day_marker_row_key(day: date) -> str:
    """The key of the marker row that empties `day` before its re-read rows are inserted."""
    return f"{day.isoformat()}|{DAY_MARKER}"


class _Columns:
    """Column lists for one page, growing extra columns for fields the contract does not name."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.values: dict[str, list[Any]] = {name: [] for name in schema.names}
        self.extra: dict[str, list[Any]] = {}
        self.rows = 0

    def add_extra(self, name: str, value: Any) -> None:
        column = name if name not in self.values else f"result_{name}"
        if column not in self.extra:
            self.extra[column] = [None] * self.rows
        if isinstance(value, (dict, list)):
            value = json.dumps(value, sort_keys=True)
        self.extra[column].append(value)

    def end_row(self) -> None:
        self.rows += 1
        for column in self.extra.values():
            if len(column) < self.rows:
                column.append(None)

    def table(self) -> pa.Table:
        arrays = [pa.array(self.values[f.name], type=f.type) for f in self.schema]
        fields = list(self.schema)
        for name, values in self.extra.items():
            if all(value is None for value in values):
                continue  # no type to give a column without values; it appears when one comes
            try:
                array = pa.array(values)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                array = pa.array([None if v is None else str(v) for v in values], pa.string())
            arrays.append(array)
            fields.append(pa.field(name, array.type))
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def results_table(
    response: ApiResponse, buckets: Sequence[Bucket], kind: str, grain: str
) -> pa.Table:
    """The results of one /model-costs (`kind="costs"`) or /model-usage page as rows.

    Each result becomes one row keyed by `row_key`; the group keys of `grain` must be present
    (a key not grouped on may come along, e.g. `model_type`, and is kept).
    """
    schema = COSTS_SCHEMA if kind == "costs" else USAGE_SCHEMA
    known = _COST_FIELDS if kind == "costs" else _USAGE_FIELDS
    group_keys = settings.GRAINS[grain]
    scope = response_scope(response)
    columns = _Columns(schema)
    v = columns.values
    for bucket in buckets:
        for index, result in enumerate(bucket.results):
            field = f"{bucket.field}.results[{index}]"
            if not isinstance(result, dict):
                raise violation(response, field, "is not an object")
            for group_key in group_keys:
                if GROUP_KEY_FIELDS[group_key] not in result:
                    raise violation(
                        response,
                        f"{field}.{GROUP_KEY_FIELDS[group_key]}",
                        f"is missing although grouped by {group_key}",
                    )
            model_type = _optional_text(result.get("model_type"), f"{field}.model_type", response)
            model = _optional_text(result.get("model"), f"{field}.model", response)
            api_key_id = _optional_text(result.get("api_key_id"), f"{field}.api_key_id", response)
            by_key = {"model_type": model_type, "model": model, "api_key": api_key_id}
            v["date"].append(bucket.date)
            v["grain"].append(grain)
            v["scope"].append(scope)
            v["model_type"].append(model_type)
            v["model"].append(model)
            v["api_key_id"].append(api_key_id)
            if kind == "costs":
                amount, currency = parse_money(result.get("amount"), f"{field}.amount", response)
                v["amount_usd"].append(amount)
                v["currency"].append(currency)
            else:
                for name in USAGE_COUNT_FIELDS:
                    v[name].append(_optional_count(result.get(name), f"{field}.{name}", response))
            v["partial"].append(bucket.partial)
            v["covered_until"].append(bucket.covered_until)
            v["start_at"].append(bucket.start_at)
            v["end_at"].append(bucket.end_at)
            v["row_key"].append(row_key(bucket.date, grain, [(k, by_key[k]) for k in group_keys]))
            v[DAY_MARKER].append(None)
            for name, value in result.items():
                if name not in known:
                    columns.add_extra(name, value)
            columns.end_row()
    return columns.table()


def day_markers_table(days: Iterable[date], kind: str) -> pa.Table:
    """One marker row per day: loaded with the day's rows, it deletes what the day held before.

    A re-read day thereby replaces the stored day whole, even when rows vanished from it or it
    came back empty; dlt never inserts the markers themselves.
    """
    schema = COSTS_SCHEMA if kind == "costs" else USAGE_SCHEMA
    days = list(days)
    columns: dict[str, list[Any]] = {name: [None] * len(days) for name in schema.names}
    columns["date"] = days
    columns["row_key"] = [day_marker_row_key(day) for day in days]
    columns[DAY_MARKER] = [True] * len(days)
    return pa.Table.from_pydict(columns, schema=schema)


def bucket_totals(
    response: ApiResponse, buckets: Sequence[Bucket]
) -> Iterator[tuple[Bucket, Decimal, str | None]]:
    """Each bucket of an ungrouped /model-costs page with its amount (zero for an empty day)."""
    for bucket in buckets:
        total = Decimal(0)
        currency = None
        for index, result in enumerate(bucket.results):
            field = f"{bucket.field}.results[{index}]"
            if not isinstance(result, dict):
                raise violation(response, field, "is not an object")
            amount, currency = parse_money(result.get("amount"), f"{field}.amount", response)
            total += amount
        yield bucket, total, currency


def group_values(
    response: ApiResponse, buckets: Sequence[Bucket], group_key: str
) -> Iterator[str | None]:
    """The values of one group key across a grouped page's results."""
    field_name = GROUP_KEY_FIELDS[group_key]
    for bucket in buckets:
        for index, result in enumerate(bucket.results):
            field = f"{bucket.field}.results[{index}]"
            if not isinstance(result, dict):
                raise violation(response, field, "is not an object")
            if field_name not in result:
                raise violation(
                    response, f"{field}.{field_name}", f"is missing although grouped by {group_key}"
                )
            yield _optional_text(result[field_name], f"{field}.{field_name}", response)


def daily_totals_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Daily cost totals rows (date, scope, amount_usd, currency, partial, covered_until)."""
    return pa.Table.from_pylist(list(rows), schema=DAILY_TOTALS_SCHEMA)


def models_table(models: dict[str, str | None]) -> pa.Table:
    """The model -> model_type rows."""
    return pa.Table.from_pydict(
        {"model": list(models), "model_type": list(models.values())}, schema=MODELS_SCHEMA
    )


def balance_table(
    balance: ApiResponse,
    *,
    costs_scope: str,
    partial_day: date,
    partial_day_cost: Decimal | None,
    partial_day_covered_until: datetime | None,
) -> pa.Table:
    """One balance snapshot row, stamped with the /balance response's HTTP `Date`.

    Every field but `object` and `scope` may be absent, and `credit_grant` may be null; absent
    money becomes null, never zero.
    """
    body = balance.body
    row: dict[str, Any] = {
        "snapshot_at": balance.require_server_time(),
        "request_id": balance.request_id,
        "costs_scope": costs_scope,
        "partial_day_date": partial_day,
        "partial_day_cost_usd": partial_day_cost,
        "partial_day_covered_until": partial_day_covered_until,
    }
    account = body.get("account")
    if account is not None and not isinstance(account, dict):
        raise violation(balance, "account", "is not an object")
    account = account or {}
    for name in ("id", "name", "type"):
        row[f"account_{name}"] = _optional_text(account.get(name), f"account.{name}", balance)
    currencies: set[str] = set()

    def money(value: Any, field: str) -> Decimal | None:
        if value is None:
            return None
        amount, currency = parse_money(value, field, balance)
        currencies.add(currency)
        return amount

    for field, column in BALANCE_MONEY_FIELDS:
        row[column] = money(body.get(field), field)
    grant = body.get("credit_grant")
    if grant is not None and not isinstance(grant, dict):
        raise violation(balance, "credit_grant", "is not an object or null")
    grant = grant or {}
    row["credit_grant_status"] = _optional_text(grant.get("status"), "credit_grant.status", balance)
    for name in CREDIT_GRANT_MONEY_FIELDS:
        row[f"credit_grant_{name}_usd"] = money(grant.get(name), f"credit_grant.{name}")
    if len(currencies) > 1:
        raise violation(balance, "currency", f"differs between fields: {sorted(currencies)}")
    row["currency"] = currencies.pop() if currencies else None
    return pa.Table.from_pylist([row], schema=BALANCE_SCHEMA)
