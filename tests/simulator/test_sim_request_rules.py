"""Every request rule of the contract answers the documented envelope with the right status,
type, code and param; valid edge values are accepted."""

from __future__ import annotations

import email.utils
from typing import Any

import pytest
from sim_support import NOW, Api

WINDOW = {"start_date": "2026-05-01", "end_date": "2026-05-08"}
KEY_ID = "ak_" + "0" * 24


def many(name: str, n: int, value: str = "v") -> list[tuple[str, str]]:
    return [(name, f"{value}{i}") for i in range(n)]


def window(*extra: tuple[str, str], **overrides: str) -> list[tuple[str, str]]:
    params = {**WINDOW, **overrides}
    return [*params.items(), *extra]


BAD_REQUESTS: list[tuple[str, Any, int, str, str, str | None]] = [
    # (case, params, status, type, code, param)
    (
        "start_date missing",
        [("end_date", "2026-05-08")],
        400,
        "invalid_request_error",
        "invalid_date",
        "start_date",
    ),
    (
        "end_date missing",
        [("start_date", "2026-05-01")],
        400,
        "invalid_request_error",
        "invalid_date",
        "end_date",
    ),
    (
        "malformed start_date",
        window(start_date="2026/05/01"),
        400,
        "invalid_request_error",
        "invalid_date",
        "start_date",
    ),
    (
        "start_date with a time",
        window(start_date="2026-05-01T00:00:00Z"),
        400,
        "invalid_request_error",
        "invalid_date",
        "start_date",
    ),
    (
        "no such day",
        window(end_date="2026-02-30"),
        400,
        "invalid_request_error",
        "invalid_date",
        "end_date",
    ),
    (
        "end before start",
        window(start_date="2026-05-08", end_date="2026-05-01"),
        400,
        "invalid_request_error",
        "invalid_date",
        "end_date",
    ),
    (
        "end equals start",
        window(end_date="2026-05-01"),
        400,
        "invalid_request_error",
        "invalid_date",
        "end_date",
    ),
    (
        "181 days",
        window(start_date="2025-11-01", end_date="2026-05-01"),
        400,
        "invalid_request_error",
        "date_range_too_large",
        "end_date",
    ),
    ("bad scope", window(scope="team"), 400, "invalid_request_error", "invalid_scope", "scope"),
    (
        "unsupported grouping",
        window(("group_by[]", "model_type"), ("group_by[]", "model")),
        400,
        "invalid_request_error",
        "invalid_group_by",
        "group_by[]",
    ),
    (
        "unknown group key",
        window(("group_by[]", "day")),
        400,
        "invalid_request_error",
        "invalid_group_by",
        "group_by[]",
    ),
    (
        "group key twice",
        window(("group_by[]", "model"), ("group_by[]", "model")),
        400,
        "invalid_request_error",
        "invalid_group_by",
        "group_by[]",
    ),
    (
        "comma-delimited group_by",
        window(("group_by[]", "model,api_key")),
        400,
        "invalid_request_error",
        "comma_delimited_not_supported",
        "group_by[]",
    ),
    (
        "comma-delimited model_types",
        window(("model_types[]", "text,image")),
        400,
        "invalid_request_error",
        "comma_delimited_not_supported",
        "model_types[]",
    ),
    (
        "comma-delimited model_ids",
        window(("model_ids[]", "a,b")),
        400,
        "invalid_request_error",
        "comma_delimited_not_supported",
        "model_ids[]",
    ),
    (
        "comma-delimited api_key_ids",
        window(("api_key_ids[]", f"{KEY_ID},{KEY_ID}")),
        400,
        "invalid_request_error",
        "comma_delimited_not_supported",
        "api_key_ids[]",
    ),
    (
        "4 model types",
        window(*many("model_types[]", 4)),
        400,
        "invalid_request_error",
        "too_many_values",
        "model_types[]",
    ),
    (
        "101 model ids",
        window(*many("model_ids[]", 101)),
        400,
        "invalid_request_error",
        "too_many_values",
        "model_ids[]",
    ),
    (
        "101 api key ids",
        window(*many("api_key_ids[]", 101, "ak_")),
        400,
        "invalid_request_error",
        "too_many_values",
        "api_key_ids[]",
    ),
    (
        "a secret as api key id",
        window(("api_key_ids[]", "apikey-123")),
        400,
        "invalid_request_error",
        "invalid_api_key_id",
        "api_key_ids[]",
    ),
    ("limit 0", window(limit="0"), 400, "invalid_request_error", "invalid_limit", "limit"),
    ("limit 1001", window(limit="1001"), 400, "invalid_request_error", "invalid_limit", "limit"),
    (
        "limit not a number",
        window(limit="ten"),
        400,
        "invalid_request_error",
        "invalid_limit",
        "limit",
    ),
    ("negative limit", window(limit="-5"), 400, "invalid_request_error", "invalid_limit", "limit"),
    ("made-up cursor", window(page="abc"), 400, "invalid_request_error", "invalid_page", "page"),
    (
        "array without brackets",
        window(("group_by", "model")),
        400,
        "invalid_request_error",
        "unknown_parameter",
        "group_by",
    ),
    (
        "scalar given twice",
        window(("limit", "5"), ("limit", "6")),
        400,
        "invalid_request_error",
        "duplicate_parameter",
        "limit",
    ),
]


@pytest.mark.parametrize("endpoint", ["model-usage", "model-costs"])
@pytest.mark.parametrize(
    ("params", "status", "type_", "code", "param"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_a_broken_request_rule_answers_the_documented_error(
    api: Api, endpoint: str, params: Any, status: int, type_: str, code: str, param: str | None
) -> None:
    response = api.get(endpoint, params)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == {
        "type": type_,
        "code": code,
        "param": param,
        "message": body["error"]["message"],
    }
    assert body["error"]["message"]
    assert body["request_id"].startswith("req_")


@pytest.mark.parametrize(
    "params",
    [
        window(start_date="2025-11-12", end_date="2026-05-11"),  # exactly 180 days
        window(limit="1"),
        window(limit="1000"),
        window(*many("model_types[]", 3)),
        window(*many("model_ids[]", 100)),
        window(*many("api_key_ids[]", 100, "ak_")),
        window(("group_by[]", "api_key"), ("group_by[]", "model")),  # order does not matter
        window(("model_types[]", "music")),  # any type string: matches nothing
    ],
    ids=[
        "180 days",
        "limit 1",
        "limit 1000",
        "3 types",
        "100 model ids",
        "100 key ids",
        "model+api_key reversed",
        "unknown model type",
    ],
)
def test_edge_values_within_the_rules_are_accepted(api: Api, params: Any) -> None:
    for endpoint in ("model-usage", "model-costs"):
        response = api.get(endpoint, params)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("endpoint", "params", "key", "status", "type_", "code", "param"),
    [
        ("balance", None, None, 401, "authentication_error", "missing_api_key", None),
        ("balance", None, "apikey-not-a-key", 401, "authentication_error", "invalid_api_key", None),
        ("model-costs", WINDOW, None, 401, "authentication_error", "missing_api_key", None),
        (
            "model-costs",
            WINDOW,
            "apikey-not-a-key",
            401,
            "authentication_error",
            "invalid_api_key",
            None,
        ),
        ("balance", None, "self_only", 403, "permission_error", "insufficient_permissions", None),
        (
            "model-costs",
            {**WINDOW, "scope": "account"},
            "self_only",
            403,
            "permission_error",
            "insufficient_permissions",
            "scope",
        ),
        (
            "model-usage",
            {**WINDOW, "scope": "account"},
            "self_only",
            403,
            "permission_error",
            "insufficient_permissions",
            "scope",
        ),
    ],
    ids=[
        "balance no key",
        "balance unknown key",
        "costs no key",
        "costs unknown key",
        "balance self-only key",
        "costs account scope self-only",
        "usage account scope self-only",
    ],
)
def test_auth_and_permissions(
    api: Api,
    endpoint: str,
    params: Any,
    key: str | None,
    status: int,
    type_: str,
    code: str,
    param: str | None,
) -> None:
    response = api.get(endpoint, params, key=key)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (type_, code, param)


def test_the_self_only_key_may_read_its_own_scope(api: Api) -> None:
    response = api.get("model-costs", {**WINDOW, "scope": "self"}, key="self_only")
    assert response.status_code == 200
    assert response.json()["scope"] == "self"


def test_scope_defaults_to_self(api: Api) -> None:
    assert api.get("model-costs", WINDOW).json()["scope"] == "self"


@pytest.mark.parametrize(
    ("endpoint", "params"),
    [("balance", None), ("model-usage", WINDOW), ("model-costs", WINDOW), ("model-costs", {})],
)
def test_every_response_carries_the_simulated_date_and_a_request_id(
    api: Api, endpoint: str, params: Any
) -> None:
    response = api.get(endpoint, params)
    assert email.utils.parsedate_to_datetime(response.headers["date"]) == NOW
    request_id = response.json()["request_id"]
    assert request_id.startswith("req_")
    assert response.headers["x-request-id"] == request_id


def test_request_ids_are_unique_and_recorded(api: Api) -> None:
    ids = {api.get("model-costs", WINDOW).json()["request_id"] for _ in range(5)}
    assert len(ids) == 5
    recorded = {r.request_id: r for r in api.sim.requests}
    assert ids <= set(recorded)
    assert all(recorded[i].status == 200 for i in ids)
