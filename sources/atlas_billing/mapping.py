"""The one place where API fields become columns.

Every response shape the source relies on is checked here; anything that breaks the contract
raises `ContractViolation` naming the endpoint, the field and the request_id, so a run stops rather
than loading a guess. Fields the contract does not know are kept as extra columns.

Money is parsed by `parse_money` alone: a six-decimal string in dollars becomes a `Decimal`,
stored as DECIMAL(38,9). Nothing here ever goes through a float.

Pages of /model-costs and /model-usage are decoded straight into typed structs (`read_typed`,
`ApiResponse.data`: msgspec, against the page's contract fields and their types) and mapped a
column at a time, with the checks the types do not cover (a group key left out, six-decimal
money). What the typed decode cannot take (a result field of another type, a result that is not
an object, a page without its `data` list, malformed JSON) is decoded as Python objects and
mapped by the reference path, which checks every value and raises the precise error. Both
readings give the same table; the mapping tests run with each.

Decoding and mapping hold the GIL, and the source reads with several threads: one page is
decoded, and one group of pages mapped, at a time in the process (`_DECODING`, `_MAPPING`).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import chain
from operator import attrgetter
from typing import Any, cast

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.normalizers.naming.snake_case import NamingConvention as SnakeCaseNaming
from dlt.common.schema.typing import TTableSchemaColumns

from sources.atlas_billing import settings
from sources.atlas_billing.client import ApiResponse, PageReader
from sources.atlas_billing.errors import ContractViolation

MONEY = pa.decimal128(settings.MONEY_PRECISION, settings.MONEY_SCALE)
TIMESTAMP = pa.timestamp("us", tz="UTC")

_MONEY_VALUE = re.compile(r"-?[0-9]+\.[0-9]{6}")
_MONEY_VALUE_ANCHORED = f"^{_MONEY_VALUE.pattern}$"
_MONEY_LIMIT = Decimal(10) ** (settings.MONEY_PRECISION - settings.MONEY_SCALE)
"""Money is stored as DECIMAL(38,9): 29 digits before the point."""
_COUNT_RANGE = range(-(2**63), 2**63)
"""Counts are stored as BIGINT."""
_ABSENT = msgspec.UNSET
"""A field a result leaves out (where null would be a value)."""
NULL_KEY = "<null>"
"""How a null group key (e.g. Playground usage without an API key) is written in a group's text
(`_groups`), as in dbt's `row_key`."""

GROUP_KEY_FIELDS = {"model_type": "model_type", "model": "model", "api_key": "api_key_id"}
"""group_by value -> the result field carrying it."""
USAGE_COUNT_FIELDS = ("requests", "input_tokens", "output_tokens", "images", "videos")
DAY_MARKER = "_clears_day"
"""Column of the day-marker rows, one per re-read day (dlt `hard_delete`: never inserted)."""


_RESULT_FIELDS = {"object", "model_type", "model", "api_key_id"}
_COST_FIELDS = _RESULT_FIELDS | {"amount"}
_USAGE_FIELDS = _RESULT_FIELDS | set(USAGE_COUNT_FIELDS)
_KNOWN_FIELDS = {"costs": _COST_FIELDS, "usage": _USAGE_FIELDS}
"""The result fields the contract names, by kind of page."""

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
COST_OBSERVATIONS_SCHEMA = pa.schema(
    [
        pa.field("snapshot_at", TIMESTAMP, nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        ("amount_usd", MONEY),
        ("partial", pa.bool_()),
        ("covered_until", TIMESTAMP),
    ]
)
MODELS_SCHEMA = pa.schema(
    [pa.field("model", pa.string(), nullable=False), pa.field("model_type", pa.string())]
)


class _Amount(msgspec.Struct, gc=False):
    """A result's `amount` with the types the contract gives it; an amount of another shape
    fails the typed decode, and the reference path names it (`parse_money`)."""

    value: str
    currency: str


_BUCKET_FIELDS = ("date", "partial", "covered_until", "start_at", "end_at")
_BUCKET_KNOWN = {"object", "results", *_BUCKET_FIELDS}
_TOP_FIELDS = ("scope", "has_more", "next_page", "request_id")
_MAX_UNKNOWN_FIELDS = 64
"""Unknown result and bucket fields the typed decode learns per endpoint; beyond them, pages
are decoded."""
_DECODING = threading.Lock()
_MAPPING = threading.Lock()


@dataclass(frozen=True)
class _Learned:
    """The fields the contract does not name that the typed decode of one endpoint has met."""

    results: tuple[str, ...] = ()
    buckets: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.results) + len(self.buckets)


_learned: dict[str, _Learned] = {"costs": _Learned(), "usage": _Learned()}
_decoders: dict[tuple[str, _Learned], msgspec.json.Decoder[Any]] = {}


def read_typed(kind: str) -> PageReader:
    """A reader of /model-costs (`kind="costs"`) or /model-usage pages for
    `AtlasBillingClient.get`: the page's top-level fields and its `data` decoded into structs
    with the contract's result fields and types (group keys text or null, counts integers or
    null, `amount` an object of two strings; the bucket and page fields of any JSON type, checked
    by the mapping), or None where the page does not have that shape (the client then decodes
    it as Python objects, and the mapping names what is wrong).

    Result and bucket fields the contract does not name are learned as they come and kept (the
    structs refuse a field they do not know, so none is dropped). Structs cost far less than
    dicts to build and to read; one page is decoded at a time in the process, because the
    decode holds the GIL (bench/PERFORMANCE.md, step 12).
    """

    def read(content: bytes) -> tuple[dict[str, Any], list[Any]] | None:
        with _DECODING:
            page = _decode_typed(content, kind)
        if page is None:
            return None
        top = {name: value for name in _TOP_FIELDS if (value := getattr(page, name)) is not _ABSENT}
        return top, page.data

    return read


def _decode_typed(content: bytes, kind: str) -> Any:
    while True:
        learned = _learned[kind]
        try:
            return _decoder(kind, learned).decode(content)
        except msgspec.ValidationError:
            more = _learn(content, kind, learned)
            if more is None or len(more) > _MAX_UNKNOWN_FIELDS:
                return None
            _learned[kind] = more
        except msgspec.DecodeError:
            return None


def _learn(content: bytes, kind: str, learned: _Learned) -> _Learned | None:
    """`learned` and the result and bucket fields of the page that neither the contract nor
    `learned` name; None where there are none (the page fails the decode for another reason)
    or the page does not have the shape of a list page."""
    try:
        buckets = msgspec.json.decode(content)["data"]
        results = [result for bucket in buckets for result in bucket["results"]]
    except (msgspec.DecodeError, TypeError, KeyError):
        return None
    if not all(type(result) is dict for result in results):
        return None
    of_results = set(chain.from_iterable(results)) - _KNOWN_FIELDS[kind] - set(learned.results)
    of_buckets = set(chain.from_iterable(buckets)) - _BUCKET_KNOWN - set(learned.buckets)
    if not of_results and not of_buckets:
        return None
    return _Learned(
        tuple(sorted({*learned.results, *of_results})),
        tuple(sorted({*learned.buckets, *of_buckets})),
    )


def _unknown_attribute(name: str) -> str:
    """The struct attribute of an unknown field: any JSON key, as an identifier."""
    return f"unknown_{name.encode().hex()}"


def _decoder(kind: str, learned: _Learned) -> msgspec.json.Decoder[Any]:
    decoder = _decoders.get((kind, learned))
    if decoder is None:
        # typed as the contract has them, so the decode checks them; a result of another shape
        # fails it, and the reference path names the field
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [("object", Any, msgspec.UNSET)]
        fields.extend(
            (name, str | None | msgspec.UnsetType, msgspec.UNSET)
            for name in GROUP_KEY_FIELDS.values()
        )
        if kind == "costs":
            fields.append(("amount", _Amount))
        else:  # a count the API leaves out is null
            fields.extend((name, int | None, None) for name in USAGE_COUNT_FIELDS)
        result: Any = msgspec.defstruct(
            f"{kind}_result",
            [*fields, *_unknown_fields(learned.results)],
            rename={_unknown_attribute(name): name for name in learned.results},
            forbid_unknown_fields=True,
            gc=False,
            kw_only=True,
        )
        bucket: Any = msgspec.defstruct(
            f"{kind}_bucket",
            [
                *((name, Any, msgspec.UNSET) for name in ("object", *_BUCKET_FIELDS)),
                ("results", list[result]),
                *_unknown_fields(learned.buckets),
            ],
            rename={_unknown_attribute(name): name for name in learned.buckets},
            forbid_unknown_fields=True,
            gc=False,
            kw_only=True,
        )
        page = msgspec.defstruct(
            f"{kind}_page",
            [*((name, Any, msgspec.UNSET) for name in _TOP_FIELDS), ("data", list[bucket])],
            gc=False,
            kw_only=True,
        )
        decoder = _decoders[(kind, learned)] = msgspec.json.Decoder(page)
    return decoder


def _unknown_fields(names: Iterable[str]) -> list[tuple[str, Any, Any]]:
    """Struct fields for learned fields: any JSON value, or `_ABSENT` where left out."""
    return [(_unknown_attribute(name), Any, msgspec.UNSET) for name in names]


@functools.lru_cache(maxsize=64)
def _learned_bucket_fields(bucket_type: Any) -> tuple[tuple[str, str], ...]:
    """(field, attribute) of each learned field of a typed bucket's struct type."""
    return tuple(
        (f.encode_name, f.name)
        for f in msgspec.structs.fields(bucket_type)
        if f.encode_name not in _BUCKET_KNOWN
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
        ("costs_filtered", pa.bool_()),
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
    dollars = Decimal(amount)
    if abs(dollars) >= _MONEY_LIMIT:
        raise violation(
            response,
            f"{field}.value",
            f"is beyond what DECIMAL({settings.MONEY_PRECISION},{settings.MONEY_SCALE}) holds:"
            f" {amount}",
        )
    return dollars, currency.lower()


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
    results: Sequence[Any]
    """The bucket's results: dicts, or structs for a page read typed (`read_typed`)."""
    field: str
    """Where the bucket sits in the response, for error messages (`data[3]`)."""
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Fields the contract does not name, as the bucket gives them."""


def parse_buckets(response: ApiResponse) -> list[Bucket]:
    """The daily buckets of a list response, checked against the contract."""
    if response.data is not None:  # read typed: each bucket a struct, its results a list
        data: Any = response.data
        field_of: Callable[[Any, str], Any] = _struct_field
    else:
        data = response.body.get("data")
        if not isinstance(data, list):
            raise violation(response, "data", "is missing or not a list")
        field_of = _dict_field
    buckets = []
    for index, raw in enumerate(data):
        field = f"data[{index}]"
        if response.data is None:
            if not isinstance(raw, dict):
                raise violation(response, field, "is not an object")
            if not isinstance(raw.get("results"), list):
                raise violation(response, f"{field}.results", "is missing or not a list")
        partial = field_of(raw, "partial")
        if not isinstance(partial, bool):
            raise violation(response, f"{field}.partial", f"is not a boolean: {partial!r}")
        buckets.append(
            Bucket(
                date=_parse_date(field_of(raw, "date"), f"{field}.date", response),
                partial=partial,
                covered_until=_parse_timestamp(
                    field_of(raw, "covered_until"), f"{field}.covered_until", response
                ),
                start_at=_parse_timestamp(field_of(raw, "start_at"), f"{field}.start_at", response),
                end_at=_parse_timestamp(field_of(raw, "end_at"), f"{field}.end_at", response),
                results=field_of(raw, "results"),
                field=field,
                extra=_bucket_extra(raw, response.data is not None),
            )
        )
    return buckets


def _bucket_extra(raw: Any, typed: bool) -> dict[str, Any]:
    """The fields of a bucket the contract does not name (of a typed bucket, those it has of
    the fields learned, `read_typed`)."""
    if not typed:
        return {name: value for name, value in raw.items() if name not in _BUCKET_KNOWN}
    return {
        name: value
        for name, attribute in _learned_bucket_fields(raw.__class__)
        if (value := getattr(raw, attribute)) is not _ABSENT
    }


def _dict_field(raw: dict[str, Any], name: str) -> Any:
    return raw.get(name)


def _struct_field(raw: Any, name: str) -> Any:
    value = getattr(raw, name)
    return None if value is _ABSENT else value


Group = str
"""A result's group as text: its group keys in the grain's order, e.g. `model=m|api_key=<null>`
(see `_groups`)."""


class GroupsOfADay:
    """Fails on a group the API sends twice for one day, across the pages of one request chain
    (at one `grain`).

    Loaded twice, such a row would double its spend; kept once, a silent choice would hide a
    broken answer. The load does not deduplicate (see `replace_days`), so this is the guard. A
    day's results can span pages, which come in date order: the groups of the day being read
    are kept, and no more. The mapping hands each page's groups over (`pages_tables`).
    """

    def __init__(self, grain: str) -> None:
        self._grain = grain
        self._day: date | None = None
        self._groups: set[Group] = set()

    def check(self, response: ApiResponse, buckets: Sequence[Bucket], groups: list[Group]) -> None:
        """`groups`: the group of each result of the page, in the order of its buckets."""
        start = 0
        for bucket in buckets:
            day_groups = groups[start : start + len(bucket.results)]
            start += len(day_groups)
            if bucket.date != self._day:
                self._day, self._groups = bucket.date, set()
            new = set(day_groups)
            if len(new) != len(day_groups) or not self._groups.isdisjoint(new):
                repeated = next(
                    group
                    for n, group in enumerate(day_groups)
                    if group in self._groups or group in day_groups[:n]
                )
                # named as dbt's staging models key the row (macro `atlas_billing.row_key`)
                key = f"{bucket.date.isoformat()}|{self._grain}|{repeated}"
                raise violation(
                    response, f"{bucket.field}.results", f"repeat a group of the day: {key}"
                )
            self._groups |= new


class ColumnsOfATable:
    """The fields the contract does not name that went into each column of one table in a run,
    across pages mapped apart (other request chains, other groups of pages).

    Within a page, two fields that would load into one column stop the run
    (`_extra_column_names`). Across pages they would not meet until dlt merged them into one
    column without a word (a bucket's `tier` on one day, a result's `tier` on another) or
    failed on names that normalize alike, naming neither field; with this, the second stops the
    run the same way. Safe to share between reading threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fields: dict[str, str] = {}

    def claim(
        self, response: ApiResponse, column: str, field: str, where: Callable[[], str]
    ) -> None:
        """`field` (e.g. `result field 'tier'`), at `where()` in `response`, loads into `column`
        (as dlt names it); refused where another field of the run's pages loads into it."""
        with self._lock:
            other = self._fields.setdefault(column, field)
        if other != field:
            raise violation(
                response,
                where(),
                f"would load into the column {column!r} of another field of this run's pages,"
                f" the {other}",
            )


def response_scope(response: ApiResponse) -> str | None:
    """The `scope` a list response says it covers."""
    return _optional_text(response.body.get("scope"), "scope", response)


def results_table(
    response: ApiResponse,
    buckets: Sequence[Bucket],
    kind: str,
    grain: str,
    groups: GroupsOfADay | None = None,
    columns: ColumnsOfATable | None = None,
) -> pa.Table:
    """The results of one /model-costs (`kind="costs"`) or /model-usage page as rows, as they
    are loaded.

    Each result becomes one row; the group keys of `grain` must be present (a key not grouped on
    may come along, e.g. `model_type`, and is kept). Fields the contract does not name become
    extra columns (objects and lists as JSON text). With `groups`, a group sent twice in a day
    is refused (`GroupsOfADay`); with `columns`, an unknown field that would load into the
    column of another one of the table's (`ColumnsOfATable`).
    """
    return pages_tables([(response, buckets)], kind, grain, groups, columns)[0]


def pages_tables(
    pages: Sequence[tuple[ApiResponse, Sequence[Bucket]]],
    kind: str,
    grain: str,
    groups: GroupsOfADay | None = None,
    columns: ColumnsOfATable | None = None,
) -> list[pa.Table]:
    """`results_table` of each page, checked in page order against `groups`; pages read typed
    are mapped in one pass over all their rows (the cost of a pass is mostly per call, not per
    row), and page by page where one breaks the contract, so that the error names its page."""
    if len(pages) > 1 and all(response.data is not None for response, _ in pages):
        try:
            tables, page_groups = _mapped(pages, kind, grain, columns)
        except ContractViolation:
            pass
        else:
            if groups is not None:
                for (response, buckets), some in zip(pages, page_groups, strict=True):
                    groups.check(response, buckets, some)
            return tables
    tables = []
    for response, buckets in pages:
        (table,), (some,) = _mapped([(response, buckets)], kind, grain, columns)
        if groups is not None:
            groups.check(response, buckets, some)
        tables.append(table)
    return tables


def _mapped(
    pages: Sequence[tuple[ApiResponse, Sequence[Bucket]]],
    kind: str,
    grain: str,
    columns: ColumnsOfATable | None,
) -> tuple[list[pa.Table], list[list[Group]]]:
    """The results of each of `pages` (read typed, or one decoded page); pages read typed are
    mapped one group at a time in the process (see the module's doc)."""
    if pages[0][0].data is None:
        return _results_tables(pages, kind, grain, columns)
    with _MAPPING:
        return _results_tables(pages, kind, grain, columns)


def _results_tables(
    pages: Sequence[tuple[ApiResponse, Sequence[Bucket]]],
    kind: str,
    grain: str,
    columns: ColumnsOfATable | None,
) -> tuple[list[pa.Table], list[list[Group]]]:
    # a page is a few buckets of many results: work column by column, not row by row
    response = pages[0][0]  # names what breaks the contract: a group of pages is mapped again
    typed = response.data is not None  # page by page when one breaks it (`pages_tables`)
    schema = COSTS_SCHEMA if kind == "costs" else USAGE_SCHEMA
    known = _KNOWN_FIELDS[kind]
    group_fields = [GROUP_KEY_FIELDS[key] for key in settings.GRAINS[grain]]
    buckets = [bucket for _, page_buckets in pages for bucket in page_buckets]
    results: list[Any] = []
    for bucket in buckets:
        if not typed:  # a typed result is always an object
            for index, result in enumerate(bucket.results):
                if type(result) is not dict:
                    raise violation(
                        response, f"{bucket.field}.results[{index}]", "is not an object"
                    )
        results.extend(bucket.results)

    # the struct types of typed results: more than one where a field was learned meanwhile
    result_types = set(map(type, results)) if typed else set()

    def column(name: str) -> list[Any]:
        """The field of every result, `_ABSENT` where a result leaves it out."""
        if not typed:
            return [result.get(name, _ABSENT) for result in results]
        attribute = name if name in known else _unknown_attribute(name)
        if len(result_types) == 1:  # every result has the attribute: read in C
            return list(map(attrgetter(attribute), results))
        return [getattr(result, attribute, _ABSENT) for result in results]

    sizes = [sum(len(bucket.results) for bucket in page_buckets) for _, page_buckets in pages]
    scopes = [response_scope(page) for page, _ in pages]
    arrays = _bucket_columns(buckets, grain, scopes, sizes, schema)
    where = _ResultPath(buckets)
    for name in ("model_type", "model", "api_key_id"):
        values = column(name)
        if typed:  # the decode checked the types: a string or null, unless left out
            try:
                arrays[name] = pa.array(values, pa.string())
                continue
            except pa.ArrowTypeError:  # some result leaves it out
                pass
        types = _types(values)
        if msgspec.UnsetType in types:
            if name in group_fields:
                missing = values.index(_ABSENT)
                raise violation(
                    response, f"{where(missing)}.{name}", "is missing although grouped on"
                )
            values, types = _absent_as_null(values, types)
        _check_all(
            response, where, name, types, values, _is_optional_text, "is not a string or null"
        )
        arrays[name] = pa.array(values, pa.string())
    groups = _groups({name: arrays[name] for name in group_fields})
    if kind == "costs":
        arrays["amount_usd"], arrays["currency"] = _money_column(
            response, where, results if typed else column("amount"), typed
        )
    else:
        for name in USAGE_COUNT_FIELDS:
            values = column(name)
            if not typed:  # typed, a count left out is null, and the decode checked the types
                values, types = _absent_as_null(values, _types(values))
                _check_all(
                    response,
                    where,
                    name,
                    types,
                    values,
                    _is_optional_count,
                    "is not an integer count",
                )
            arrays[name] = _count_array(response, where, name, values)
    table = pa.Table.from_arrays([arrays[f.name] for f in schema], schema=schema)
    if typed:  # learned while the group was read, by some of its results' types
        names = {f.encode_name for t in result_types for f in msgspec.structs.fields(t)}
    else:
        names = set(chain.from_iterable(results))
    extras = {}
    unknown = {  # a field learned from other pages, but absent from these, takes no column
        name: values
        for name in sorted(names - known)
        if (values := column(name)).count(_ABSENT) < len(values)
    }
    columns_of_results = _extra_column_names(
        response, unknown, arrays, "result_", lambda name, n: f"{where(n)}.{name}", columns
    )
    extra_columns = [(column, unknown[name]) for name, column in columns_of_results.items()]
    # a bucket's fields the contract does not name go on each of its rows
    of_buckets = {}
    for name in sorted({name for bucket in buckets for name in bucket.extra}):
        per_bucket = ([bucket.extra.get(name, _ABSENT)] * len(bucket.results) for bucket in buckets)
        values = list(chain.from_iterable(per_bucket))
        if values.count(_ABSENT) < len(values):  # a bucket without rows holds it for none
            of_buckets[name] = values
    columns_of_buckets = _extra_column_names(
        response,
        of_buckets,
        [*arrays, *columns_of_results.values()],
        "bucket_",
        lambda name, n: f"{where(n).rsplit('.results', 1)[0]}.{name}",  # row n's bucket
        columns,
    )
    extra_columns += [(column, of_buckets[name]) for name, column in columns_of_buckets.items()]
    for column_name, values in extra_columns:
        types = _types(values)
        extras[column_name] = (
            _json_text(values) if types & {dict, list} else values,  # left out: see _extra_column
            types,
        )
    tables, page_groups = [], []
    start = 0
    for size in sizes:
        page = table.slice(start, size)
        for name, (values, types) in extras.items():  # typed as a page of its own types them
            page_values = values[start : start + size]
            if types & {type(None), msgspec.UnsetType} and all(
                value is None or value is _ABSENT for value in page_values
            ):
                continue  # no type to give a column without values; it appears when one comes
            page = page.append_column(name, _extra_column(page_values))
        tables.append(page)
        page_groups.append(groups[start : start + size])
        start += size
    return tables, page_groups


def _extra_column_names(
    response: ApiResponse,
    unknown: dict[str, list[Any]],
    columns: Iterable[str],
    prefix: str,
    path: Callable[[str, int], str],
    table: ColumnsOfATable | None = None,
) -> dict[str, str]:
    """The column of each unknown field (by its values, one per row): its own name, or
    `<prefix><name>` where it would load into one of `columns` once dlt normalizes the names
    (snake_case: `Requests` is `requests`). Two fields that would load into one column stop the
    run, naming the second where it sits (`path(name, row)`), as does a prefixed name that is
    one of `columns` too; with `table`, so does a field that would load into the column of
    another field of the table's other pages."""
    ours = {_identifier(name): name for name in columns}
    chosen: dict[str, str] = {}
    taken = dict(ours)
    for name, values in unknown.items():

        def where(name: str = name, values: list[Any] = values) -> str:
            """Where the field first sits (asked only to name it in an error)."""
            return path(name, next(n for n, value in enumerate(values) if value is not _ABSENT))

        try:
            column = f"{prefix}{name}" if _identifier(name) in ours else name
            identifier = _identifier(column)
        except ValueError:  # dlt names no column after an empty or blank name
            raise violation(
                response, where(), f"is a field whose name no column can take: {name!r}"
            ) from None
        if identifier in taken:
            raise violation(
                response,
                where(),
                f"would load into the column {identifier!r} of another field,"
                f" {taken[identifier]!r}",
            )
        taken[identifier] = name
        chosen[name] = column
        if table is not None:
            table.claim(response, identifier, f"{_PLACES[prefix]} {name!r}", where)
    return chosen


_PLACES = {"result_": "result field", "bucket_": "bucket field", "balance_": "balance field"}
"""What a prefix of `_extra_column_names` says of where its fields sit."""


@functools.lru_cache(maxsize=1024)
def _identifier(name: str) -> str:
    """A column name as dlt's default naming convention (snake_case) loads it."""
    return _SNAKE_CASE.normalize_identifier(name)


_SNAKE_CASE = SnakeCaseNaming()


def _json_text(values: list[Any]) -> list[Any]:
    """Objects and lists among an unknown field's values as JSON text."""
    return [json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v for v in values]


def _extra_column(values: list[Any]) -> pa.Array:
    """An unknown result field's values (objects and lists already JSON text, `_json_text`) as
    a column: values of mixed types as text, left out as null."""
    values, _ = _absent_as_null(values, _types(values))
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # e.g. beyond 64-bit integers
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def _absent_as_null(values: list[Any], types: set[type]) -> tuple[list[Any], set[type]]:
    """`values` (of `types`) with every left-out value null, and their types then."""
    if msgspec.UnsetType not in types:
        return values, types
    if types == {msgspec.UnsetType}:
        return [None] * len(values), {type(None)}
    nulls = [None if value is _ABSENT else value for value in values]
    return nulls, types - {msgspec.UnsetType} | {type(None)}


def _bucket_columns(
    buckets: Sequence[Bucket],
    grain: str,
    scopes: Sequence[str | None],
    page_sizes: Sequence[int],
    schema: pa.Schema,
) -> dict[str, pa.Array]:
    """The columns each result takes from its bucket (what a bucket says holds for each of its
    results) and from its page (`scopes[i]` for the `page_sizes[i]` results of page i)."""
    counts = [len(bucket.results) for bucket in buckets]
    total = sum(counts)
    arrays = {
        name: _repeated(
            [getattr(bucket, name) for bucket in buckets], counts, schema.field(name).type
        )
        for name in ("date", "partial", "covered_until", "start_at", "end_at")
    }
    arrays["grain"] = _repeated([grain], [total], pa.string())
    arrays["scope"] = _repeated(scopes, page_sizes, pa.string())
    arrays[DAY_MARKER] = _repeated([None], [total], pa.bool_())
    return arrays


def _groups(group_values: dict[str, pa.Array]) -> list[Group]:
    """Each result's group (for the repeat check), from the grain's group key columns in the
    grain's order, joined by Arrow a column at a time.

    Text, not tuples: a Python string is not tracked by the garbage collector, and tuples for
    the 2 million results of a 2-year backfill set it off ~1900 times (0.65 CPU s, against
    0.16 s with text).
    """
    keys: pa.Array | None = None
    for name, values in group_values.items():
        label = pa.scalar(f"{name.removesuffix('_id')}=")
        part = pc.binary_join_element_wise(label, pc.fill_null(values, NULL_KEY), "")
        keys = part if keys is None else pc.binary_join_element_wise(keys, part, "|")
    assert keys is not None  # every grain groups by something
    return cast(list[Group], keys.to_pylist())


def _repeated(values: Sequence[Any], counts: Sequence[int], type: pa.DataType) -> pa.Array:
    """values[i] repeated counts[i] times, as one array (a few values converted, then repeated)."""
    small = pa.array(values, type=type)
    if len(values) == 1:
        return pa.repeat(small[0], counts[0])
    return small.take(np.repeat(np.arange(len(values)), counts))


class _ResultPath:
    """Names the n-th result of a page as it sits in the response, e.g. `data[2].results[5]`."""

    def __init__(self, buckets: Sequence[Bucket]) -> None:
        self._starts = []
        total = 0
        for bucket in buckets:
            self._starts.append((total, bucket.field))
            total += len(bucket.results)

    def __call__(self, n: int) -> str:
        start, field = next((s, f) for s, f in reversed(self._starts) if s <= n)
        return f"{field}.results[{n - start}]"


def _is_optional_text(value: Any) -> bool:
    return value is None or type(value) is str


def _is_optional_count(value: Any) -> bool:
    # bool is an int in Python, but never a count
    return value is None or type(value) is int


_VALID_TYPES: dict[Callable[[Any], bool], set[type]] = {
    _is_optional_text: {str, type(None)},
    _is_optional_count: {int, type(None)},
}
"""The types each check accepts, for the fast path (bool is its own type, never an int)."""


def _check_all(
    response: ApiResponse,
    where: _ResultPath,
    name: str,
    types: set[type],
    values: list[Any],
    valid: Callable[[Any], bool],
    problem: str,
) -> None:
    """Fails on the first of `values` (of `types`) that is not `valid`, naming its field."""
    if types <= _VALID_TYPES[valid]:
        return
    bad = next(i for i, value in enumerate(values) if not valid(value))
    raise violation(response, f"{where(bad)}.{name}", f"{problem}: {values[bad]!r}")


def _money_column(
    response: ApiResponse, where: _ResultPath, results_or_amounts: list[Any], typed: bool
) -> tuple[pa.Array, pa.Array]:
    """The `amount` of every result as DECIMAL(38,9), and its currency (lower case): of typed
    results, or of decoded amounts.

    The same rules as `parse_money`, which stays the reference (and names the first offending
    field); this is the fast path for whole pages, checked and converted by Arrow: the
    six-decimal strings become integer micro-dollars and then decimals, never floats.
    """
    if typed:  # the decode checked that every amount is an object of two strings
        values = list(map(attrgetter("amount.value"), results_or_amounts))
        currencies = list(map(attrgetter("amount.currency"), results_or_amounts))
        text: pa.Array | None = pa.array(values, pa.string())
        currencies_text = True
    else:
        amounts = results_or_amounts
        values = [a.get("value") if type(a) is dict else None for a in amounts]
        currencies = [a.get("currency") if type(a) is dict else None for a in amounts]
        text = pa.array(values, pa.string()) if _types(values) <= {str} else None
        currencies_text = _types(currencies) <= {str}
    if (
        text is None
        or not currencies_text
        or "" in currencies
        or not pc.all(pc.match_substring_regex(text, _MONEY_VALUE_ANCHORED)).as_py()
    ):
        amounts = [r.amount for r in results_or_amounts] if typed else results_or_amounts
        for n, amount in enumerate(amounts):
            parse_money(_money_object(amount), f"{where(n)}.amount", response)  # names the field
    assert text is not None
    lowered = pc.utf8_lower(pa.array(currencies, pa.string()))
    try:
        micros = pc.cast(pc.replace_substring(text, ".", "", max_replacements=1), pa.int64())
    except pa.ArrowInvalid:  # beyond nine trillion dollars: the slow, exact way
        try:
            return pa.array([Decimal(v) for v in cast(list[str], values)], type=MONEY), lowered
        except pa.ArrowInvalid:  # beyond DECIMAL(38,9): parse_money names the amount
            amounts = [r.amount for r in results_or_amounts] if typed else results_or_amounts
            for n, amount in enumerate(amounts):
                parse_money(_money_object(amount), f"{where(n)}.amount", response)
            raise
    return _micros_to_money(micros), lowered


def _count_array(
    response: ApiResponse, where: _ResultPath, name: str, values: list[Any]
) -> pa.Array:
    """Integer counts (or null) as BIGINT; a count beyond it is named."""
    try:
        return pa.array(values, pa.int64())
    except OverflowError:
        bad = next(n for n, v in enumerate(values) if v is not None and v not in _COUNT_RANGE)
        raise violation(
            response, f"{where(bad)}.{name}", f"is beyond a 64-bit integer count: {values[bad]}"
        ) from None


def _money_object(amount: Any) -> Any:
    """An amount as the decoded page holds it (a typed one as a dict)."""
    if type(amount) is _Amount:
        return msgspec.structs.asdict(amount)
    return None if amount is _ABSENT else amount


def _types(values: list[Any]) -> set[type]:
    """The Python types among `values` (a C-speed check for a whole column)."""
    return set(map(type, values))


def _micros_to_money(micros: pa.Array) -> pa.Array:
    """Integer micro-dollars (int64) as DECIMAL(38,9): built from the integers, so nothing is
    rounded."""
    low = micros.to_numpy(zero_copy_only=False)
    words = np.empty((len(low), 2), dtype=np.int64)
    words[:, 0] = low
    words[:, 1] = low >> 63  # two's complement: the high word is the sign
    unscaled = pa.Array.from_buffers(
        pa.decimal128(settings.MONEY_PRECISION, 6), len(low), [None, pa.py_buffer(words)]
    )
    return unscaled.cast(MONEY)


def day_markers_table(days: Iterable[date], kind: str) -> pa.Table:
    """One marker row per day, loaded with the day's rows and never inserted (dlt `hard_delete`).

    The load deletes every day it re-read (named as constants: see `replace_days`) before it
    inserts their rows; the markers make a window whose days all came back empty a load of its
    own too, so those days are emptied rather than left as they were.
    """
    schema = COSTS_SCHEMA if kind == "costs" else USAGE_SCHEMA
    days = list(days)
    columns: dict[str, list[Any]] = {name: [None] * len(days) for name in schema.names}
    columns["date"] = days
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
            amount, result_currency = parse_money(result.get("amount"), f"{field}.amount", response)
            if currency is not None and result_currency != currency:
                raise violation(
                    response,
                    f"{field}.amount.currency",
                    f"is {result_currency!r}, the day's other amounts {currency!r}: a total"
                    " would mix currencies",
                )
            currency = result_currency
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
    """Daily cost totals rows (date, scope, amount_usd, currency, partial, covered_until), and
    any other key of theirs (a bucket's fields the contract does not name, as
    `bucket_extra_columns` names them) as a column of its own."""
    table = pa.Table.from_pylist(list(rows), schema=DAILY_TOTALS_SCHEMA)
    for name in sorted({name for row in rows for name in row} - set(DAILY_TOTALS_SCHEMA.names)):
        values = [row.get(name) for row in rows]
        if any(value is not None for value in values):  # no type to give a column without one
            table = table.append_column(name, _extra_column(_json_text(values)))
    return table


def bucket_extra_columns(
    response: ApiResponse, bucket: Bucket, columns: ColumnsOfATable | None = None
) -> dict[str, Any]:
    """The fields of an ungrouped page's bucket the contract does not name, by the column of
    daily_cost_totals each goes to (`bucket_<name>` where it would load into one of ours; with
    `columns`, refused where another field of the table's takes that column)."""
    names = _extra_column_names(
        response,
        {name: [value] for name, value in bucket.extra.items()},
        DAILY_TOTALS_SCHEMA.names,
        "bucket_",
        lambda name, _: f"{bucket.field}.{name}",
        columns,
    )
    return {column: bucket.extra[name] for name, column in names.items()}


def cost_observations_table(snapshot_at: datetime, rows: Sequence[dict[str, Any]]) -> pa.Table:
    """The ungrouped cost of each day as it stood at one balance snapshot.

    `rows` are daily totals (date, amount_usd, partial, covered_until), e.g. summed from
    `bucket_totals` over the filter batches of one window.
    """
    return pa.Table.from_pylist(
        [
            {
                "snapshot_at": snapshot_at,
                "date": row["date"],
                "amount_usd": row["amount_usd"],
                "partial": row["partial"],
                "covered_until": row["covered_until"],
            }
            for row in rows
        ],
        schema=COST_OBSERVATIONS_SCHEMA,
    )


def models_table(models: dict[str, str | None]) -> pa.Table:
    """The model -> model_type rows."""
    return pa.Table.from_pydict(
        {"model": list(models), "model_type": list(models.values())}, schema=MODELS_SCHEMA
    )


def balance_table(
    balance: ApiResponse,
    *,
    costs_scope: str,
    costs_filtered: bool = False,
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
        "costs_filtered": costs_filtered,
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
    table = pa.Table.from_pylist([row], schema=BALANCE_SCHEMA)
    # fields the contract does not name: kept as columns, objects and lists as JSON text
    unknown = [  # the column each asks for, where it sits, its value
        *((name, name, v) for name, v in body.items() if name not in _BALANCE_FIELDS),
        *(
            (f"account_{name}", f"account.{name}", v)
            for name, v in account.items()
            if name not in _ACCOUNT_FIELDS
        ),
        *(
            (f"credit_grant_{name}", f"credit_grant.{name}", v)
            for name, v in grant.items()
            if name not in _CREDIT_GRANT_FIELDS
        ),
    ]
    where: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, at, value in sorted(unknown):
        if name in where:  # e.g. `account_region` beside `account.region`
            raise violation(balance, at, f"would load into the column of {where[name]!r}")
        where[name], values[name] = at, value
    names = _extra_column_names(
        balance,
        {name: [value] for name, value in values.items()},
        BALANCE_SCHEMA.names,
        "balance_",
        lambda name, _: where[name],
    )
    for name, column in names.items():
        if values[name] is not None:  # no type to give a column without a value
            table = table.append_column(column, _extra_column(_json_text([values[name]])))
    return table


_BALANCE_FIELDS = {
    "object",
    "scope",
    "account",
    "credit_grant",
    "request_id",
    *(field for field, _ in BALANCE_MONEY_FIELDS),
}
_ACCOUNT_FIELDS = {"id", "name", "type"}
_CREDIT_GRANT_FIELDS = {"status", *CREDIT_GRANT_MONEY_FIELDS}
