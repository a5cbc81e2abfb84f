"""Field mapping: money is exact, every contract field lands in its column, unknown fields are
kept, and a shape the contract rules out stops with the endpoint, field and request_id.

Every test runs with pages decoded as Python objects and with pages read straight into Arrow (as
the source reads /model-costs and /model-usage pages), which must agree on all of it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
import pyarrow as pa
import pytest
from fake_api import bucket, money, page

from sources.atlas_billing import mapping
from sources.atlas_billing.client import ApiResponse, read_columnar
from sources.atlas_billing.errors import ContractViolation
from sources.atlas_billing.helpers import batched

DAY = date(2026, 5, 1)
SERVER_TIME = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
PAGE_KINDS = {"/model-costs": "costs", "/model-usage": "usage"}
READINGS = ("decoded", "arrow")
reading = READINGS[0]


@pytest.fixture(autouse=True, params=READINGS)
def each_reading(request: pytest.FixtureRequest) -> Any:
    global reading
    reading = request.param
    yield
    reading = READINGS[0]


def response(body: dict[str, Any], endpoint: str = "/model-costs") -> ApiResponse:
    """The response the client would hand over for `body`: read as Arrow where it fits the page
    schema (when the test runs with Arrow reading), else decoded."""
    if reading == "arrow" and endpoint in PAGE_KINDS:
        content = orjson.dumps(body)
        read = read_columnar(content, mapping.page_schema(PAGE_KINDS[endpoint]))
        if read is not None:
            top, data = read
            return ApiResponse(
                endpoint, top, top.get("request_id"), SERVER_TIME, data=data, content=content
            )
    return ApiResponse(
        endpoint=endpoint,
        body=body,
        request_id=body.get("request_id"),
        server_time=SERVER_TIME,
    )


def table(
    results: list[dict[str, Any]], kind: str = "costs", grain: str = "model,api_key"
) -> pa.Table:
    r = response(
        page([bucket(DAY, results)]), "/model-costs" if kind == "costs" else "/model-usage"
    )
    return mapping.results_table(r, mapping.parse_buckets(r), kind, grain)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.000001", Decimal("0.000001")),
        ("123456789012.345678", Decimal("123456789012.345678")),
        ("-1.500000", Decimal("-1.5")),
        ("0.000000", Decimal(0)),
    ],
)
def test_money_is_parsed_exactly(value: str, expected: Decimal) -> None:
    amount, currency = mapping.parse_money(money(value), "amount", response(page([])))

    assert amount == expected and currency == "usd"
    stored = pa.array([amount], type=mapping.MONEY).to_pylist()[0]
    assert stored == expected  # DECIMAL(38,9) holds it without rounding


@pytest.mark.parametrize(
    "value",
    [
        {"value": "1.5", "currency": "usd"},
        {"value": "1.5000000", "currency": "usd"},
        {"value": 1.5, "currency": "usd"},
        {"value": "1,500000", "currency": "usd"},
        {"value": "1.500000"},
        "1.500000",
        None,
    ],
    ids=["one_decimal", "seven_decimals", "float", "comma", "no_currency", "bare_string", "null"],
)
def test_anything_but_six_decimal_money_is_refused(value: Any) -> None:
    results = [{"model": "m", "api_key_id": "ak_1", "amount": value}]

    with pytest.raises(ContractViolation) as raised:
        table(results)

    assert raised.value.endpoint == "/model-costs" and raised.value.request_id == "req_fake"
    assert raised.value.param is not None
    assert raised.value.param.startswith("data[0].results[0].amount")


@pytest.mark.parametrize(
    ("result", "field"),
    [
        ({"model": 7, "api_key_id": "ak_1", "amount": money("1.000000")}, "model"),
        ({"model": "m", "api_key_id": ["ak_1"], "amount": money("1.000000")}, "api_key_id"),
        ({"model": "m", "amount": money("1.000000")}, "api_key_id"),
    ],
    ids=["model_not_text", "key_not_text", "grouped_key_missing"],
)
def test_a_key_field_of_the_wrong_type_or_missing_is_refused(
    result: dict[str, Any], field: str
) -> None:
    with pytest.raises(ContractViolation) as raised:
        table([result])

    assert raised.value.param == f"data[0].results[0].{field}"
    assert "request_id=req_fake" in str(raised.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"object": "list", "request_id": "req_fake"}, "data"),
        (
            {"data": [{**bucket(DAY, []), "results": None}], "request_id": "req_fake"},
            "data[0].results",
        ),
        (
            {
                "data": [{k: v for k, v in bucket(DAY, []).items() if k != "results"}],
                "request_id": "req_fake",
            },
            "data[0].results",
        ),
        (
            {"data": [{**bucket(DAY, []), "date": "05/01/2026"}], "request_id": "req_fake"},
            "data[0].date",
        ),
        (
            {"data": [{**bucket(DAY, []), "partial": "no"}], "request_id": "req_fake"},
            "data[0].partial",
        ),
    ],
    ids=["no_data", "results_null", "results_missing", "date_format", "partial_not_bool"],
)
def test_a_broken_bucket_is_refused(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ContractViolation) as raised:
        mapping.parse_buckets(response(body))

    assert raised.value.param == field and raised.value.request_id == "req_fake"


def test_results_become_rows_with_a_key_that_is_never_null() -> None:
    rows = table(
        [
            {"model": "lumen/instruct-1", "api_key_id": "ak_1", "amount": money("0.240000")},
            {"model": "lumen/instruct-1", "api_key_id": None, "amount": money("0.010000")},
        ]
    ).to_pylist()

    assert [r["row_key"] for r in rows] == [
        "2026-05-01|model,api_key|model=lumen/instruct-1|api_key=ak_1",
        "2026-05-01|model,api_key|model=lumen/instruct-1|api_key=<null>",
    ]
    assert rows[1]["api_key_id"] is None
    assert rows[0]["amount_usd"] == Decimal("0.24") and rows[0]["currency"] == "usd"
    assert rows[0]["date"] == DAY and rows[0]["partial"] is False and rows[0]["scope"] == "account"
    assert rows[0]["covered_until"] == datetime(2026, 5, 2, tzinfo=UTC)


def test_usage_counts_always_exist_and_unknown_fields_are_kept() -> None:
    result = table(
        [
            {
                "model": "m",
                "api_key_id": "ak_1",
                "requests": 3,
                "input_tokens": 10,
                "output_tokens": 5,
                "cached_tokens": 4,
                "routing": {"region": "eu"},
            },
            {"model": "n", "api_key_id": "ak_1", "requests": 1, "audio_seconds": 12},
        ],
        kind="usage",
    )

    for name in mapping.USAGE_COUNT_FIELDS:
        assert result.schema.field(name).type == pa.int64()
    rows = result.to_pylist()
    assert rows[0]["images"] is None and rows[1]["input_tokens"] is None
    assert [r["cached_tokens"] for r in rows] == [4, None]
    assert [r["audio_seconds"] for r in rows] == [None, 12]
    assert rows[0]["routing"] == '{"region": "eu"}'


def test_a_count_that_is_not_an_integer_is_refused() -> None:
    with pytest.raises(ContractViolation) as raised:
        table([{"model": "m", "api_key_id": "ak_1", "requests": "3"}], kind="usage")

    assert raised.value.param == "data[0].results[0].requests"
    assert raised.value.endpoint == "/model-usage"


def test_a_balance_with_omitted_fields_loads_them_as_null() -> None:
    body = {
        "object": "balance",
        "scope": "account",
        "available": money("12.500000"),
        "credit_grant": None,
        "request_id": "req_bal",
    }

    row = mapping.balance_table(
        response(body, "/balance"),
        costs_scope="account",
        partial_day=DAY,
        partial_day_cost=Decimal("1.000000"),
        partial_day_covered_until=None,
    ).to_pylist()[0]

    assert row["available_usd"] == Decimal("12.5") and row["cash_usd"] is None
    assert row["credit_grant_status"] is None and row["credit_grant_granted_usd"] is None
    assert row["snapshot_at"] == datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
    assert row["request_id"] == "req_bal" and row["currency"] == "usd"


def test_day_markers_carry_only_the_day() -> None:
    markers = mapping.day_markers_table([DAY], "costs").to_pylist()

    assert markers == [
        {
            **{name: None for name in mapping.COSTS_SCHEMA.names if name != mapping.CHECK_KEY},
            "date": DAY,
            "_clears_day": True,
        }
    ]


def test_a_page_of_amounts_matches_money_parsed_one_by_one() -> None:
    values = [
        "0.000001",
        "-0.000001",
        "-12.340000",
        "9223372036854.775807",
        "99999999999999999999.999999",
        "0.000000",
    ]
    results = [
        {"model": "m", "api_key_id": f"ak_{n}", "amount": money(v)} for n, v in enumerate(values)
    ]

    amounts = table(results).column("amount_usd").to_pylist()

    assert amounts == [Decimal(v) for v in values]


def test_pages_with_differently_typed_extra_fields_are_gathered_as_text() -> None:
    first = table([{"model": "m", "api_key_id": "ak_1", "amount": money("1.000000"), "tier": 2}])
    second = table(
        [{"model": "m", "api_key_id": "ak_2", "amount": money("1.000000"), "tier": "gold"}]
    )
    plain = table([{"model": "m", "api_key_id": "ak_3", "amount": money("1.000000")}])

    (gathered,) = batched(iter([first, second, plain]), rows=10)

    assert gathered.column("tier").to_pylist() == ["2", "gold", None]
    assert gathered.column("amount_usd").type == mapping.MONEY


def test_a_group_sent_twice_in_a_day_is_refused_also_across_pages() -> None:
    def costs_page(day: date, ids: list[str], request_id: str) -> tuple[ApiResponse, Any]:
        results = [{"model": "m", "api_key_id": i, "amount": money("1.000000")} for i in ids]
        r = response(page([bucket(day, results)], request_id=request_id))
        return r, mapping.parse_buckets(r)

    groups = mapping.GroupsOfADay()
    for r, buckets in (
        costs_page(DAY, ["ak_1", "ak_2"], "req_1"),
        costs_page(DAY, ["ak_3"], "req_2"),  # the day goes on on the next page
        costs_page(date(2026, 5, 2), ["ak_1"], "req_3"),  # a new day: the same key is new
    ):
        groups.check(r, buckets, mapping.results_table(r, buckets, "costs", "model,api_key"))

    r, buckets = costs_page(date(2026, 5, 2), ["ak_2", "ak_1"], "req_4")
    with pytest.raises(ContractViolation) as raised:
        groups.check(r, buckets, mapping.results_table(r, buckets, "costs", "model,api_key"))

    assert raised.value.request_id == "req_4" and raised.value.param == "data[0].results"
    assert "repeat a group of the day: 2026-05-02|model,api_key|model=m|api_key=ak_1" in str(
        raised.value
    )


def arrow_and_decoded(body: dict[str, Any], kind: str = "costs") -> tuple[pa.Table, pa.Table]:
    """`body` mapped from an Arrow reading (which must take the fast path) and decoded."""
    endpoint = "/model-costs" if kind == "costs" else "/model-usage"
    content = orjson.dumps(body)
    read = read_columnar(content, mapping.page_schema(kind))
    assert read is not None
    arrow = ApiResponse(endpoint, read[0], "req_fake", SERVER_TIME, data=read[1], content=content)
    fast = mapping._columnar_results_table(
        [(arrow, mapping.parse_buckets(arrow))], kind, "model,api_key"
    )
    assert fast is not None, "the page took the reference path"
    decoded = ApiResponse(endpoint, body, "req_fake", SERVER_TIME)
    return fast, mapping.results_table(
        decoded, mapping.parse_buckets(decoded), kind, "model,api_key"
    )


@pytest.mark.parametrize("each_reading", ["arrow"], indirect=True)
def test_arrow_reading_maps_plain_pages_without_the_reference_path() -> None:
    costs = page(
        [
            bucket(DAY, [{"model": "m", "api_key_id": None, "amount": money("1.000000")}]),
            bucket(
                date(2026, 5, 2),
                [
                    {"model": "m", "api_key_id": "ak_1", "amount": money("-0.000001")},
                    {"model": "n", "api_key_id": None, "amount": money("2.500000"), "tier": 2},
                ],
            ),
            bucket(date(2026, 5, 3), []),
        ]
    )
    usage = page(
        [
            bucket(
                DAY,
                [
                    {"model": "m", "api_key_id": "ak_1", "requests": 3, "audio_seconds": 1.5},
                    {"model": "m", "api_key_id": None, "images": 2, "flagged": True},
                ],
            )
        ]
    )

    for body, kind in ((costs, "costs"), (usage, "usage"), (page([]), "costs")):
        fast, reference = arrow_and_decoded(body, kind)
        assert fast.schema == reference.schema and fast.equals(reference)


@pytest.mark.parametrize("each_reading", ["arrow"], indirect=True)
def test_arrow_reading_hands_what_it_cannot_vouch_for_to_the_reference() -> None:
    results = [{"model": 'say "hi"', "api_key_id": None, "amount": money("1.000000")}]
    body = page([bucket(DAY, results)])

    # an escaped quote: group keys are looked up in the decoded page, with the same result
    fast, reference = arrow_and_decoded(body)
    assert fast.equals(reference)
    # a pretty-printed page, and an object beside `data`, are decoded instead
    schema = mapping.page_schema("costs")
    assert read_columnar(orjson.dumps(body, option=orjson.OPT_INDENT_2), schema) is None
    assert read_columnar(orjson.dumps({**body, "meta": {"a": 1}}), schema) is None
    # a group key left out where another result has it null: the reference names it
    left_out = [{"model": "m", "amount": money("1.000000")}, *results]
    with pytest.raises(ContractViolation) as raised:
        table(left_out)
    assert raised.value.param == "data[0].results[0].api_key_id"


@pytest.mark.parametrize("each_reading", ["arrow"], indirect=True)
def test_pages_mapped_together_match_pages_mapped_one_by_one() -> None:
    def costs_page(day: date, ids: list[str | None], **extra: Any) -> Any:
        results = [
            {"model": "m", "api_key_id": i, "amount": money(f"{n}.000001"), **extra}
            for n, i in enumerate(ids)
        ]
        r = response(page([bucket(day, results)], request_id=f"req_{day.day}"))
        assert r.data is not None
        return r, mapping.parse_buckets(r)

    alike = [
        costs_page(DAY, ["ak_1", None]),
        costs_page(date(2026, 5, 2), ["ak_1"]),
        costs_page(date(2026, 5, 3), []),
    ]
    mixed = [*alike, costs_page(date(2026, 5, 4), ["ak_2"], tier="gold")]

    for pages in (alike, mixed):
        together = mapping.pages_tables(pages, "costs", "model,api_key")
        one_by_one = [mapping.results_table(r, b, "costs", "model,api_key") for r, b in pages]
        assert [t.num_rows for t in together] == [2, 1, 0, 1][: len(pages)]
        assert all(a.equals(b) for a, b in zip(together, one_by_one, strict=True))
