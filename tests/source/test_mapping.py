"""Field mapping: money is exact, every contract field lands in its column, unknown fields are
kept, and a shape the contract rules out stops with the endpoint, field and request_id.

Every test runs with pages decoded as Python objects and with pages decoded typed (as the source
reads /model-costs and /model-usage pages), which must agree on all of it.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import msgspec
import orjson
import pyarrow as pa
import pytest
from fake_api import balance_with_unknown_fields, bucket, money, page

from sources.atlas_billing import mapping
from sources.atlas_billing.client import ApiResponse
from sources.atlas_billing.errors import ContractViolation
from sources.atlas_billing.helpers import batched

DAY = date(2026, 5, 1)
SERVER_TIME = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
PAGE_KINDS = {"/model-costs": "costs", "/model-usage": "usage"}
READINGS = ("decoded", "typed")
reading = READINGS[0]


@pytest.fixture(autouse=True, params=READINGS)
def each_reading(request: pytest.FixtureRequest) -> Any:
    global reading
    reading = request.param
    yield
    reading = READINGS[0]


def response(body: dict[str, Any], endpoint: str = "/model-costs") -> ApiResponse:
    """The response the client would hand over for `body`: decoded typed where it has a page's
    shape (when the test runs with the typed reading), else decoded as Python objects."""
    if reading == "typed" and endpoint in PAGE_KINDS:
        # orjson stops at 64-bit integers; JSON does not
        content = json.dumps(body, ensure_ascii=False).encode()
        read = mapping.read_typed(PAGE_KINDS[endpoint])(content)
        if read is not None:
            top, data = read
            return ApiResponse(endpoint, top, top.get("request_id"), SERVER_TIME, data=data)
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


def test_results_become_rows_as_they_are_loaded_a_null_key_a_group_of_its_own() -> None:
    results = [
        {"model": "lumen/instruct-1", "api_key_id": "ak_1", "amount": money("0.240000")},
        {"model": "lumen/instruct-1", "api_key_id": None, "amount": money("0.010000")},
    ]
    r = response(page([bucket(DAY, results)]))
    groups = mapping.GroupsOfADay("model,api_key")
    result = mapping.results_table(r, mapping.parse_buckets(r), "costs", "model,api_key", groups)
    rows = result.to_pylist()

    assert result.schema.names == mapping.COSTS_SCHEMA.names  # no column but the loaded ones
    assert rows[1]["api_key_id"] is None
    # the keyless group sent again that day is refused, named as dbt's row_key writes it
    keyless = response(page([bucket(DAY, results[1:])]))
    with pytest.raises(ContractViolation) as raised:
        mapping.results_table(
            keyless, mapping.parse_buckets(keyless), "costs", "model,api_key", groups
        )
    assert raised.value.param == "data[0].results"
    assert (
        "repeat a group of the day: 2026-05-01|model,api_key|model=lumen/instruct-1|api_key=<null>"
        in str(raised.value)
    )
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


def test_an_unknown_field_beyond_64_bit_integers_is_kept_as_text() -> None:
    result = table([{"model": "m", "api_key_id": "ak_1", "requests": 1, "seconds": 2**70}], "usage")

    assert result.column("seconds").to_pylist() == [str(2**70)]


def test_an_unknown_field_dlt_would_load_into_another_column_is_renamed_or_refused() -> None:
    key = {"model": "m", "api_key_id": "ak_1", "requests": 1}
    # `Requests` is `requests` once dlt normalizes the names: kept beside the count
    result = table([{**key, "Requests": 7, "cachedTokens": 3}], "usage")
    assert result.column("result_Requests").to_pylist() == [7]
    assert result.column("requests").to_pylist() == [1]
    assert result.column("cachedTokens").to_pylist() == [3]  # dlt loads it as cached_tokens

    # two unknown fields that would share a column: no guess which one it holds
    with pytest.raises(ContractViolation) as raised:
        table([key, {**key, "audioSeconds": 1, "audio_seconds": 2}], "usage")
    assert raised.value.param == "data[0].results[1].audio_seconds"
    assert "column 'audio_seconds' of another field, 'audioSeconds'" in str(raised.value)


def test_a_field_whose_name_dlt_gives_no_column_is_refused() -> None:
    key = {"model": "m", "api_key_id": "ak_1", "amount": money("1.000000")}
    blank = response(page([{**bucket(DAY, [key]), " ": 1}]))
    balance = response({"object": "balance", "scope": "account", "": 1}, "/balance")
    with pytest.raises(ContractViolation) as of_result:
        table([{**key, "": 1}])
    with pytest.raises(ContractViolation) as of_bucket:
        mapping.results_table(blank, mapping.parse_buckets(blank), "costs", "model,api_key")
    with pytest.raises(ContractViolation) as of_balance:
        mapping.balance_table(
            balance,
            costs_scope="account",
            partial_day=DAY,
            partial_day_cost=None,
            partial_day_covered_until=None,
        )

    assert of_result.value.param == "data[0].results[0]."
    assert of_bucket.value.param == "data[0]. " and of_balance.value.param == ""
    for raised in (of_result, of_bucket, of_balance):
        assert "a field whose name no column can take" in str(raised.value)


def test_a_bucket_field_the_contract_does_not_name_is_kept_on_each_of_its_rows() -> None:
    results = [
        {"model": "m", "api_key_id": "ak_1", "amount": money("1.000000"), "tier": 1},
        {"model": "n", "api_key_id": None, "amount": money("2.000000")},
    ]
    day = {**bucket(DAY, results), "timezone": "UTC", "model": "x", "tier": {"a": 1}}
    other = {**bucket(date(2026, 5, 2), results[:1]), "tier": None}
    empty = {**bucket(date(2026, 5, 3), []), "timezone": "CET"}  # no row to carry it
    r = response(page([day, other, empty]))
    assert (r.data is not None) == (reading == "typed")  # the typed reading learns them

    rows = mapping.results_table(r, mapping.parse_buckets(r), "costs", "model,api_key").to_pylist()

    assert [row["timezone"] for row in rows] == ["UTC", "UTC", None]
    assert [row["bucket_model"] for row in rows] == ["x", "x", None]  # beside our `model`
    assert [row["bucket_tier"] for row in rows] == ['{"a": 1}', '{"a": 1}', None]
    assert [row["tier"] for row in rows] == [1, None, 1]  # the results' own field

    with pytest.raises(ContractViolation) as raised:
        table_of = {**bucket(DAY, results), "timeZone": "UTC", "time_zone": "UTC"}
        r = response(page([table_of]))
        mapping.results_table(r, mapping.parse_buckets(r), "costs", "model,api_key")
    assert raised.value.param == "data[0].time_zone"
    # named `bucket_model` beside our `model`, it would meet a result's own `bucket_model`
    with pytest.raises(ContractViolation) as raised:
        named_alike = [{**results[0], "bucket_model": "y"}]
        r = response(page([{**bucket(DAY, named_alike), "model": "x"}]))
        mapping.results_table(r, mapping.parse_buckets(r), "costs", "model,api_key")
    assert raised.value.param == "data[0].model"
    assert "column 'bucket_model' of another field, 'bucket_model'" in str(raised.value)


def test_a_count_that_is_not_an_integer_is_refused() -> None:
    with pytest.raises(ContractViolation) as raised:
        table([{"model": "m", "api_key_id": "ak_1", "requests": "3"}], kind="usage")

    assert raised.value.param == "data[0].results[0].requests"
    assert raised.value.endpoint == "/model-usage"


def test_a_count_or_amount_beyond_what_the_warehouse_holds_is_refused() -> None:
    key = {"model": "m", "api_key_id": "ak_1"}
    with pytest.raises(ContractViolation) as raised:
        table([{**key, "requests": 1}, {**key, "requests": 2**63}], kind="usage")
    assert raised.value.param == "data[0].results[1].requests"
    assert "beyond a 64-bit integer count" in str(raised.value)

    for value in ("1" + "0" * 29 + ".000000", "-" + "9" * 40 + ".000000"):
        with pytest.raises(ContractViolation) as raised:
            table([{**key, "amount": money("1.000000")}, {**key, "amount": money(value)}])
        assert raised.value.param == "data[0].results[1].amount.value"
        assert "beyond what DECIMAL(38,9) holds" in str(raised.value)
    # the largest amount it holds is loaded exactly
    largest = "9" * 29 + ".999999"
    assert table([{**key, "amount": money(largest)}]).column("amount_usd").to_pylist() == [
        Decimal(largest)
    ]


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


def test_a_balance_keeps_the_fields_the_contract_does_not_name() -> None:
    body = balance_with_unknown_fields()  # `currency` at the top is one of our columns

    def snapshot(body: dict[str, Any]) -> pa.Table:
        return mapping.balance_table(
            response(body, "/balance"),
            costs_scope="account",
            partial_day=DAY,
            partial_day_cost=None,
            partial_day_covered_until=None,
        )

    row = snapshot(body).to_pylist()[0]
    assert row["promo"] == '{"currency": "usd", "value": "1.250000"}'
    assert row["balance_currency"] == "usd" and row["currency"] == "usd"
    assert row["tier"] == 2 and "retired" not in row
    assert row["account_region"] == "eu" and row["credit_grant_limit_kind"] == "soft"
    assert row["available_usd"] == Decimal("12.5")

    with pytest.raises(ContractViolation) as raised:
        snapshot({**body, "promoCredit": 1, "promo_credit": 2})
    assert raised.value.param == "promo_credit" and raised.value.request_id == "req_bal"
    with pytest.raises(ContractViolation) as raised:
        snapshot({**body, "account_region": "us"})  # and account.region
    assert raised.value.param == "account_region"
    assert "would load into the column of 'account.region'" in str(raised.value)


def test_day_markers_carry_only_the_day() -> None:
    markers = mapping.day_markers_table([DAY], "costs").to_pylist()

    assert markers == [
        {
            **{name: None for name in mapping.COSTS_SCHEMA.names},
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

    groups = mapping.GroupsOfADay("model,api_key")
    for r, buckets in (
        costs_page(DAY, ["ak_1", "ak_2"], "req_1"),
        costs_page(DAY, ["ak_3"], "req_2"),  # the day goes on on the next page
        costs_page(date(2026, 5, 2), ["ak_1"], "req_3"),  # a new day: the same key is new
    ):
        mapping.results_table(r, buckets, "costs", "model,api_key", groups)

    r, buckets = costs_page(date(2026, 5, 2), ["ak_2", "ak_1"], "req_4")
    with pytest.raises(ContractViolation) as raised:
        mapping.results_table(r, buckets, "costs", "model,api_key", groups)

    assert raised.value.request_id == "req_4" and raised.value.param == "data[0].results"
    assert "repeat a group of the day: 2026-05-02|model,api_key|model=m|api_key=ak_1" in str(
        raised.value
    )


def typed_and_decoded(content: bytes, kind: str = "costs") -> tuple[pa.Table, pa.Table]:
    """The page `content` mapped from the typed reading (which must take it) and decoded."""
    endpoint = "/model-costs" if kind == "costs" else "/model-usage"
    read = mapping.read_typed(kind)(content)
    assert read is not None, "the page was not read typed"
    typed = ApiResponse(endpoint, read[0], "req_fake", SERVER_TIME, data=read[1])
    decoded = ApiResponse(endpoint, orjson.loads(content), "req_fake", SERVER_TIME)
    return mapping.results_table(
        typed, mapping.parse_buckets(typed), kind, "model,api_key"
    ), mapping.results_table(decoded, mapping.parse_buckets(decoded), kind, "model,api_key")


@pytest.mark.parametrize("each_reading", ["typed"], indirect=True)
def test_typed_reading_maps_pages_as_the_reference_does() -> None:
    costs = page(
        [
            bucket(DAY, [{"model": "m", "api_key_id": None, "amount": money("1.000000")}]),
            bucket(
                date(2026, 5, 2),
                [
                    {"model": "m", "api_key_id": "ak_1", "amount": money("-0.000001")},
                    {"model": "n", "api_key_id": None, "amount": money("2.500000"), "tier": 2},
                    {"model": 'say "hi" \u00e9', "api_key_id": "ak_2", "amount": money("0.1")},
                ],
            ),
            bucket(date(2026, 5, 3), []),
        ]
    )
    costs["data"][1]["results"][2]["amount"]["value"] = "0.100000"
    usage = page(
        [
            bucket(
                DAY,
                [
                    {"model": "m", "api_key_id": "ak_1", "requests": 3, "audio_seconds": 1.5},
                    {"model": "m", "api_key_id": None, "images": 2, "flagged": True},
                    {"model": "n", "api_key_id": None, "meta": {"b": [1, 2], "a": None}},
                ],
            )
        ]
    )

    for body, kind in ((costs, "costs"), (usage, "usage"), (page([]), "costs")):
        for content in (
            orjson.dumps(body),
            orjson.dumps(body, option=orjson.OPT_INDENT_2),  # pretty-printed
            orjson.dumps({**body, "meta": {"a": 1}}),  # an object beside `data`
        ):
            typed, reference = typed_and_decoded(content, kind)
            assert typed.schema == reference.schema and typed.equals(reference)


@pytest.mark.parametrize("each_reading", ["typed"], indirect=True)
def test_typed_reading_hands_what_it_cannot_decode_to_the_reference() -> None:
    good = {"model": "m", "api_key_id": None, "amount": money("1.000000")}
    read = mapping.read_typed("costs")
    assert read(orjson.dumps(page([bucket(DAY, [good])]))) is not None
    for body in (
        page([bucket(DAY, [good, "not an object"])]),
        page([bucket(DAY, [good, {**good, "amount": "1.000000"}])]),
        {**page([]), "data": {"not": "a list"}},
        {**page([]), "data": [{**bucket(DAY, []), "results": None}]},
    ):
        assert read(orjson.dumps(body)) is None, body
    assert read(b'{"data": []') is None  # cut short
    # each of them still stops the run, named by the reference path
    with pytest.raises(ContractViolation) as raised:
        table([good, "not an object"])  # type: ignore[list-item]
    assert raised.value.param == "data[0].results[1]"
    with pytest.raises(ContractViolation) as raised:
        table([good, {**good, "amount": "1.000000"}])
    assert raised.value.param == "data[0].results[1].amount"
    # a group key left out where another result has it null: named by the typed reading too
    left_out = [{"model": "m", "amount": money("1.000000")}, good]
    with pytest.raises(ContractViolation) as raised:
        table(left_out)
    assert raised.value.param == "data[0].results[0].api_key_id"


@pytest.mark.parametrize("each_reading", ["typed"], indirect=True)
def test_typed_reading_refuses_result_values_of_another_type() -> None:
    # the decode checks the types, so the mapping does not: what it refuses, the reference
    # path names (test_a_count_that_is_not_an_integer_is_refused and the others, each reading)
    usage, costs = mapping.read_typed("usage"), mapping.read_typed("costs")
    key = {"model": "m", "api_key_id": "ak_1"}
    for read, result in (
        (usage, {**key, "requests": "3"}),
        (usage, {**key, "requests": True}),  # bool is never a count
        (usage, {**key, "input_tokens": 1.0}),
        (usage, {**key, "model": 7}),
        (usage, {**key, "model_type": ["llm"]}),
        (costs, {**key, "amount": {"value": 1.5, "currency": "usd"}}),
        (costs, {**key, "amount": {"value": "1.500000"}}),
        (costs, {**key, "amount": None}),
        (costs, key),
    ):
        assert read(orjson.dumps(page([bucket(DAY, [result])]))) is None, result
    # left out, a count is null and a group key is told apart from a null one
    decoded = usage(orjson.dumps(page([bucket(DAY, [{**key, "requests": 2}]), bucket(DAY, [key])])))
    assert decoded is not None
    first, second = (bucket.results[0] for bucket in decoded[1])
    assert (first.requests, second.requests, first.images) == (2, None, None)
    assert first.model_type is msgspec.UNSET and first.api_key_id == "ak_1"


@pytest.mark.parametrize("each_reading", ["typed"], indirect=True)
def test_unknown_result_fields_are_learned_and_kept_by_the_typed_reading() -> None:
    def usage(day: date, **extra: Any) -> bytes:
        result = {"model": "m", "api_key_id": "ak_1", "requests": 1, **extra}
        return orjson.dumps(page([bucket(day, [result])]))

    name = f"field_{id(object())}"  # new to this process, whatever ran before
    typed, reference = typed_and_decoded(usage(DAY, **{name: "x"}), "usage")
    assert typed.column(name).to_pylist() == ["x"] and typed.equals(reference)
    # the learned field is kept where it comes, and takes no column where it does not
    typed, reference = typed_and_decoded(usage(date(2026, 5, 2)), "usage")
    assert name not in typed.column_names and typed.equals(reference)


@pytest.mark.parametrize("each_reading", ["typed"], indirect=True)
def test_unknown_bucket_fields_are_learned_and_kept_by_the_typed_reading() -> None:
    # so a field the API adds to its buckets does not send every page to the reference path
    def costs(day: date, **fields: Any) -> bytes:
        result = {"model": "m", "api_key_id": "ak_1", "amount": money("1.000000")}
        return orjson.dumps(page([{**bucket(day, [result, {**result, "model": "n"}]), **fields}]))

    name = f"field_{id(object())}"  # new to this process, whatever ran before
    typed, reference = typed_and_decoded(costs(DAY, **{name: {"tz": "UTC"}, "model": 1}))
    assert typed.column(name).to_pylist() == ['{"tz": "UTC"}'] * 2
    assert typed.column("bucket_model").to_pylist() == [1, 1]  # beside our `model`
    assert typed.equals(reference)
    # the learned fields are kept where they come, and take no column where they do not (or
    # are only null: no type to give it, as for a result's field)
    for fields in ({}, {name: None}):
        typed, reference = typed_and_decoded(costs(date(2026, 5, 3), **fields))
        assert {name, "bucket_model"}.isdisjoint(typed.column_names) and typed.equals(reference)
    typed, reference = typed_and_decoded(costs(date(2026, 5, 2), **{name: 2}))
    assert typed.column(name).to_pylist() == [2, 2] and typed.equals(reference)


@pytest.mark.parametrize("each_reading", ["typed"], indirect=True)
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

    # unknown fields: of one type over the group (left out or null on some pages), then of
    # another type or beyond 64 bits on some page, which types that page's column alone
    seconds = [
        costs_page(date(2026, 5, 4), ["ak_2", "ak_3"], seconds=3),
        costs_page(date(2026, 5, 5), ["ak_2"]),
        costs_page(date(2026, 5, 6), ["ak_2"], seconds=None),
    ]
    other_types = [
        *seconds,
        costs_page(date(2026, 5, 7), ["ak_2"], seconds=2**70),
        costs_page(date(2026, 5, 8), ["ak_2"], tier="gold"),
        costs_page(date(2026, 5, 9), ["ak_2"], tier=2),
    ]

    for pages in (alike, mixed, [*alike, *seconds], other_types):
        together = mapping.pages_tables(pages, "costs", "model,api_key")
        one_by_one = [mapping.results_table(r, b, "costs", "model,api_key") for r, b in pages]
        assert all(a.equals(b) for a, b in zip(together, one_by_one, strict=True))
    assert [t.num_rows for t in together] == [2, 1, 1, 1, 1, 1]
    last_columns = [t.column_names[-1] for t in together]
    assert last_columns == ["seconds", "_clears_day", "_clears_day", "seconds", "tier", "tier"]
    assert [t.column(t.column_names[-1]).type for t in together[::3]] == [pa.int64(), pa.string()]
    assert together[3].column("seconds").to_pylist() == [str(2**70)]
    assert [t.num_rows for t in mapping.pages_tables(mixed, "costs", "model,api_key")] == [
        2,
        1,
        0,
        1,
    ]

    # a page that breaks the contract is named, not the group it was mapped with
    broken = costs_page(date(2026, 5, 5), ["ak_3"])
    broken[1][0].results[0].amount.value = "1.5"
    with pytest.raises(ContractViolation) as raised:
        mapping.pages_tables([*alike, broken], "costs", "model,api_key")
    assert raised.value.request_id == "req_5"
    assert raised.value.param == "data[0].results[0].amount.value"

    # a group a later page of the group repeats is named by that page
    first, second = (costs_page(DAY, ids) for ids in (["ak_1", "ak_2"], ["ak_3", "ak_2"]))
    second = (dataclasses.replace(second[0], request_id="req_again"), second[1])
    groups = mapping.GroupsOfADay("model,api_key")
    with pytest.raises(ContractViolation) as raised:
        mapping.pages_tables([first, second], "costs", "model,api_key", groups)
    assert raised.value.request_id == "req_again"
    assert "repeat a group of the day: 2026-05-01|model,api_key|model=m|api_key=ak_2" in str(
        raised.value
    )
