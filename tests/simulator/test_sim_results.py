"""What the results say: grouped rows add up to the totals, money is six-decimal strings, cost is
usage x price, group keys are present exactly when grouped on, scope=self is the caller's own,
the current day is partial, and closed days get restated."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sim_support import FIRST_DAY, NOW, Api, small_config

WINDOW = {
    "start_date": str(NOW.date() - timedelta(days=60)),
    "end_date": str(NOW.date() + timedelta(days=1)),
    "scope": "account",
    "limit": 1000,
}
GROUPINGS = [["model_type"], ["model"], ["api_key"], ["model", "api_key"]]
COUNTS = ("requests", "input_tokens", "output_tokens", "images", "videos", "audio_seconds")
MONEY = re.compile(r"-?\d+\.\d{6}")


def cost_by_day(rows: list[dict[str, Any]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row["date"]] += Decimal(row["amount"]["value"])
    return dict(totals)


def usage_by_day(rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        for name in COUNTS:
            if name in row:
                totals[(row["date"], name)] += row[name]
    return dict(totals)


@pytest.mark.parametrize("group_by", GROUPINGS, ids=str)
def test_grouped_costs_sum_to_the_ungrouped_totals_every_day(api: Api, group_by: list[str]) -> None:
    totals = cost_by_day(api.rows("model-costs", WINDOW))
    grouped = cost_by_day(api.rows("model-costs", {**WINDOW, "group_by[]": group_by}))
    assert len(totals) == 61
    assert grouped == totals


@pytest.mark.parametrize("group_by", GROUPINGS, ids=str)
def test_grouped_usage_sums_to_the_ungrouped_totals_every_day(
    api: Api, group_by: list[str]
) -> None:
    totals = usage_by_day(api.rows("model-usage", WINDOW))
    grouped = usage_by_day(api.rows("model-usage", {**WINDOW, "group_by[]": group_by}))
    assert grouped == totals


def test_every_money_string_has_six_decimals(api: Api) -> None:
    rows = api.rows("model-costs", {**WINDOW, "group_by[]": ["model", "api_key"]})
    assert rows
    for row in rows:
        assert MONEY.fullmatch(row["amount"]["value"]), row
        assert row["amount"]["currency"] == "usd"
    balance = api.get("balance").json()
    for name in ("available", "cash", "bonus", "subscription_bonus", "frozen"):
        assert MONEY.fullmatch(balance[name]["value"]), balance[name]
        assert balance[name]["currency"] == "usd"


def test_cost_is_usage_times_price_exactly(api: Api) -> None:
    params = {**WINDOW, "group_by[]": ["model", "api_key"]}
    usage = {(r["date"], r["model"], r["api_key_id"]): r for r in api.rows("model-usage", params)}
    costs = {(r["date"], r["model"], r["api_key_id"]): r for r in api.rows("model-costs", params)}
    assert usage.keys() == costs.keys()
    for key, row in usage.items():
        prices = api.sim.price_of(row["model"])
        expected_micros = sum(row[name] * price for name, price in prices.items())
        assert Decimal(costs[key]["amount"]["value"]) == Decimal(expected_micros) / 1_000_000


def test_text_prices_are_whole_dollars_per_million_tokens(api: Api) -> None:
    text_models = [m for m in api.sim.account.models if m.model_type == "text"]
    assert text_models
    for model in text_models:
        prices = api.sim.price_of(model.name)
        assert set(prices) <= {"input_tokens", "output_tokens"}
        # micro-dollars per token == whole dollars per million tokens
        assert all(isinstance(p, int) and p >= 1 for p in prices.values())


@pytest.mark.parametrize("group_by", [[], *GROUPINGS], ids=str)
def test_keys_not_grouped_on_are_absent(api: Api, group_by: list[str]) -> None:
    expected = {"model_type": "model_type", "model": "model", "api_key": "api_key_id"}
    present = {expected[g] for g in group_by}
    for endpoint in ("model-costs", "model-usage"):
        rows = api.rows(endpoint, {**WINDOW, "group_by[]": group_by})
        assert rows
        for row in rows:
            assert set(expected.values()) & set(row) == present


def test_playground_usage_has_a_null_key_only_when_grouped_by_api_key(api: Api) -> None:
    rows = api.rows("model-costs", {**WINDOW, "group_by[]": ["api_key"]})
    null_rows = [r for r in rows if r["api_key_id"] is None]
    assert null_rows
    for day in {r["date"] for r in rows}:
        keys = [r["api_key_id"] for r in rows if r["date"] == day]
        assert len(keys) == len(set(keys)), "one row per key and day, null included once"
        if None in keys:
            assert keys[-1] is None, "the null key sorts last"


def test_there_are_text_image_video_and_audio_models_with_their_counts(api: Api) -> None:
    rows = api.rows("model-usage", {**WINDOW, "group_by[]": ["model_type"]})
    fields_by_type = {r["model_type"]: set(r) - {"date", "object", "model_type"} for r in rows}
    assert fields_by_type == {
        "text": {"requests", "input_tokens", "output_tokens"},
        "image": {"requests", "images"},
        "video": {"requests", "videos"},
        "audio": {"requests", "audio_seconds"},
    }


def test_model_types_filter_accepts_any_type(api: Api) -> None:
    audio = api.rows("model-costs", {**WINDOW, "model_types[]": ["audio"], "group_by[]": ["model"]})
    assert audio
    assert {api.sim.model_type_of(r["model"]) for r in audio} == {"audio"}
    assert api.rows("model-costs", {**WINDOW, "model_types[]": ["music"]}) == []


def test_model_and_key_filters_select_what_they_name(api: Api) -> None:
    key = api.sim.account.key_ids[0]
    model = api.sim.account.models[0].name
    params = {**WINDOW, "group_by[]": ["model", "api_key"]}
    rows = api.rows("model-usage", {**params, "api_key_ids[]": [key]})
    assert rows and {r["api_key_id"] for r in rows} == {key}
    rows = api.rows("model-usage", {**params, "model_ids[]": [model]})
    assert rows and {r["model"] for r in rows} == {model}


def test_scope_self_is_the_callers_own_keys(api: Api) -> None:
    params = {**WINDOW, "group_by[]": ["api_key"], "scope": "self"}
    mine = api.rows("model-costs", params, key="self_only")
    assert mine
    assert {r["api_key_id"] for r in mine} <= set(api.sim.keys.self_only_key_ids)
    owner = api.rows("model-costs", params)
    assert {r["api_key_id"] for r in owner} <= {*api.sim.keys.admin_key_ids, None}
    everyone = cost_by_day(api.rows("model-costs", {**params, "scope": "account"}))
    both = defaultdict(Decimal, cost_by_day(owner))
    for day, amount in cost_by_day(mine).items():
        both[day] += amount
    assert dict(both) == everyone


def test_the_current_day_is_partial_up_to_the_hour(api: Api) -> None:
    days = {b["date"]: b for p in api.pages("model-costs", WINDOW) for b in p["data"]}
    today = days[str(NOW.date())]
    assert today["partial"] is True
    assert today["covered_until"] == "2026-05-10T15:00:00Z"
    assert max(days) == str(NOW.date()), "days after today are not listed"
    for day, bucket in days.items():
        if day != str(NOW.date()):
            assert bucket["partial"] is False
            assert bucket["covered_until"] == bucket["end_at"]


def test_the_partial_day_grows_as_the_clock_advances(serve: Any) -> None:
    client = serve()
    params = {
        "start_date": str(NOW.date()),
        "end_date": str(NOW.date() + timedelta(days=1)),
        "scope": "account",
    }
    seen = []
    for _ in range(10):
        bucket = client.get("model-costs", params).json()["data"][0]
        seen.append(Decimal(bucket["results"][0]["amount"]["value"]))
        client.sim.clock.advance(timedelta(hours=1))
    assert seen == sorted(seen) and seen[0] < seen[-1]
    bucket = client.get("model-costs", params).json()["data"][0]
    assert bucket["partial"] is False, "past midnight the day is closed"


def test_closed_days_are_restated_within_three_days(serve: Any) -> None:
    client = serve()
    before: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    after: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    days = [FIRST_DAY + timedelta(days=d) for d in range(30, 90)]
    for day in days:
        params = {
            "start_date": str(day),
            "end_date": str(day + timedelta(days=1)),
            "scope": "account",
            "group_by[]": ["model", "api_key"],
            "limit": 1000,
        }
        close = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
        for at, into in ((close, before), (close + timedelta(days=3), after)):
            client.sim.clock.set(at)
            for row in client.rows("model-costs", params):
                into[(row["date"], row["model"], row["api_key_id"])] = row
    client.sim.clock.set(NOW)
    assert set(after) < set(before), "some restatements refund a whole row"
    changed = [k for k in after if after[k] != before[k]]
    assert changed, "some rows change after their day closed"
    restated_types = {client.sim.model_type_of(k[1]) for k in [*changed, *set(before) - set(after)]}
    assert restated_types <= {"image", "video"}
    grew = [
        k
        for k in changed
        if Decimal(after[k]["amount"]["value"]) > Decimal(before[k]["amount"]["value"])
    ]
    assert grew and {client.sim.model_type_of(k[1]) for k in grew} == {"video"}, (
        "late video charges"
    )
    # Nothing changes after the three days.
    params = {
        "start_date": str(days[0]),
        "end_date": str(days[-1] + timedelta(days=1)),
        "scope": "account",
        "group_by[]": ["model", "api_key"],
        "limit": 1000,
    }
    final = {
        (r["date"], r["model"], r["api_key_id"]): r for r in client.rows("model-costs", params)
    }
    assert final == after


def test_a_manual_restatement_changes_the_day_and_refunds_the_balance(serve: Any) -> None:
    client = serve()
    day = NOW.date() - timedelta(days=2)
    params = {
        "start_date": str(day),
        "end_date": str(day + timedelta(days=1)),
        "scope": "account",
        "group_by[]": ["model", "api_key"],
    }
    rows = client.rows("model-costs", params)
    victim = rows[0]
    balance_before = Decimal(client.get("balance").json()["cash"]["value"])
    client.sim.restate(day, victim["api_key_id"], victim["model"], remove=True)
    after = client.rows("model-costs", params)
    assert victim not in after and len(after) == len(rows) - 1
    balance_after = Decimal(client.get("balance").json()["cash"]["value"])
    assert balance_after - balance_before == Decimal(victim["amount"]["value"])


def test_the_same_seed_serves_the_same_bytes(serve: Any) -> None:
    params = {**WINDOW, "group_by[]": ["model", "api_key"]}
    one, two = serve(), serve()
    assert one.get("model-costs", params).content == two.get("model-costs", params).content
    other = serve(small_config(seed=8))
    assert one.get("model-costs", params).content != other.get("model-costs", params).content
