"""Pagination as the contract says: `limit` counts result rows, a day can span pages (its bucket
header repeated), empty days are buckets with no results, and cursors are opaque, need URL
encoding, and are bound to the query that produced them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sim_support import FIRST_DAY, NOW, Api

# Starts before the account opened: the first days are empty.
EARLY = {"start_date": "2025-12-25", "end_date": "2026-01-20", "scope": "account"}


def merged(pages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Buckets by date, with the results of a day that spans pages joined in order."""
    days: dict[str, dict[str, Any]] = {}
    for page in pages:
        for bucket in page["data"]:
            if bucket["date"] in days:
                kept = days[bucket["date"]]
                assert {k: v for k, v in bucket.items() if k != "results"} == {
                    k: v for k, v in kept.items() if k != "results"
                }, "a repeated bucket header must be identical"
                kept["results"] = kept["results"] + bucket["results"]
            else:
                days[bucket["date"]] = dict(bucket)
    return days


@pytest.mark.parametrize("endpoint", ["model-costs", "model-usage"])
@pytest.mark.parametrize("group_by", [["model", "api_key"], ["api_key"], []], ids=str)
def test_every_limit_gives_the_same_rows(api: Api, endpoint: str, group_by: list[str]) -> None:
    params = {**EARLY, "group_by[]": group_by}
    by_limit = {}
    for limit in (1, 7, 100, 1000):
        pages = api.pages(endpoint, {**params, "limit": limit})
        for page in pages:
            assert sum(len(b["results"]) for b in page["data"]) <= limit
        by_limit[limit] = merged(pages)
    assert by_limit[1] == by_limit[7] == by_limit[100] == by_limit[1000]
    assert len(by_limit[1]) == 26, "one bucket per day, empty days included"


def test_limit_counts_rows_so_a_day_spans_pages(api: Api) -> None:
    params = {**EARLY, "group_by[]": ["model", "api_key"], "limit": 7}
    pages = api.pages("model-costs", params)
    full_pages = [p for p in pages if p["has_more"]]
    assert all(sum(len(b["results"]) for b in p["data"]) == 7 for p in full_pages)
    dates = [b["date"] for p in pages for b in p["data"]]
    assert len(dates) > len(set(dates)), "some day's bucket header is repeated on the next page"


def test_days_before_the_account_opened_are_empty_buckets(api: Api) -> None:
    days = merged(api.pages("model-usage", {**EARLY, "limit": 1000}))
    for day, bucket in days.items():
        if day < str(FIRST_DAY):
            assert bucket["results"] == []
            assert bucket["partial"] is False
        else:
            assert bucket["results"], f"{day} should have usage"


def test_the_cursor_needs_url_encoding(api: Api) -> None:
    page = api.get("model-costs", {**EARLY, "limit": 1}).json()
    cursor = page["next_page"]
    assert {"+", "/", "="} <= set(cursor)
    # Sent raw (unencoded), "+" arrives as a space: the cursor no longer checks out.
    raw = api.http.get(
        f"/model-costs?start_date={EARLY['start_date']}&end_date={EARLY['end_date']}"
        f"&scope=account&limit=1&page={cursor}",
        headers={"Authorization": f"Bearer {api.sim.keys.admin}"},
    )
    assert raw.status_code == 400
    assert raw.json()["error"]["code"] == "invalid_page"


@pytest.mark.parametrize(
    "change",
    [
        {"limit": 2},
        {"start_date": "2025-12-26"},
        {"end_date": "2026-01-21"},
        {"group_by[]": ["model"]},
        {"model_types[]": ["text"]},
        {"scope": "self"},
    ],
    ids=str,
)
def test_a_cursor_reused_with_other_parameters_is_rejected(
    api: Api, change: dict[str, Any]
) -> None:
    params = {**EARLY, "limit": 1}
    cursor = api.get("model-costs", params).json()["next_page"]
    response = api.get("model-costs", {**params, **change, "page": cursor})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "invalid_request_error",
        "invalid_page",
        "page",
    )


def test_a_cursor_is_bound_to_its_endpoint_and_caller(api: Api) -> None:
    params = {**EARLY, "limit": 1, "scope": "self"}
    cursor = api.get("model-costs", params).json()["next_page"]
    assert api.get("model-usage", {**params, "page": cursor}).status_code == 400
    assert api.get("model-costs", {**params, "page": cursor}, key="self_only").status_code == 400
    assert api.get("model-costs", {**params, "page": cursor}).status_code == 200


def test_a_tampered_cursor_is_rejected(api: Api) -> None:
    params = {**EARLY, "limit": 3}
    cursor = api.get("model-costs", params).json()["next_page"]
    for i in (5, 10, 20, len(cursor) - 3):
        flipped = "A" if cursor[i] != "A" else "B"
        tampered = cursor[:i] + flipped + cursor[i + 1 :]
        response = api.get("model-costs", {**params, "page": tampered})
        assert response.status_code == 400, i
        assert response.json()["error"]["code"] == "invalid_page"


def test_pages_of_one_query_show_one_moment(serve: Any) -> None:
    client = serve()
    today = str(NOW.date())
    params = {
        "start_date": str(NOW.date() - timedelta(days=1)),
        "end_date": str(NOW.date() + timedelta(days=1)),
        "scope": "account",
        "group_by[]": ["model", "api_key"],
        "limit": 1,
    }
    first = client.get("model-costs", params).json()
    client.sim.clock.advance(timedelta(hours=3))
    rest = client.pages("model-costs", {**params, "page": first["next_page"]})
    buckets = merged([first, *rest])
    assert buckets[today]["covered_until"] == "2026-05-10T15:00:00Z"
    fresh = merged(client.pages("model-costs", {**params, "limit": 1000}))
    assert fresh[today]["covered_until"] == "2026-05-10T18:00:00Z"
