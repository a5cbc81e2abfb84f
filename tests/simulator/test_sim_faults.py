"""Faults on demand: each kind looks on the wire as it would from a real server or proxy, and a
fault sequence is reproducible from its seed."""

from __future__ import annotations

import email.utils
import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sim_support import NOW, Api

from simulator import FaultConfig

WINDOW = {"start_date": "2026-05-01", "end_date": "2026-05-08", "scope": "account"}


@pytest.mark.parametrize(
    ("kind", "status", "type_", "code"),
    [
        ("429", 429, "rate_limit_error", "rate_limited"),
        ("500", 500, "api_error", "internal_error"),
        ("502", 502, "api_error", "bad_gateway"),
        ("503", 503, "overloaded_error", "service_unavailable"),
    ],
)
def test_a_scheduled_error_answers_the_envelope_once(
    serve: Any, kind: str, status: int, type_: str, code: str
) -> None:
    client = serve(faults=FaultConfig(schedule={2: kind}))
    assert client.get("model-costs", WINDOW).status_code == 200
    failed = client.get("model-costs", WINDOW)
    assert failed.status_code == status
    body = failed.json()
    assert (body["error"]["type"], body["error"]["code"]) == (type_, code)
    assert body["request_id"].startswith("req_")
    assert client.get("model-costs", WINDOW).status_code == 200
    assert [r.fault for r in client.sim.requests] == [None, kind, None]


def test_retry_after_comes_in_seconds_or_as_an_http_date_on_the_server_clock(serve: Any) -> None:
    client = serve(faults=FaultConfig(schedule={1: "429", 2: "429_date"}, retry_after_s=7))
    seconds = client.get("balance")
    assert seconds.headers["retry-after"] == "7"
    dated = client.get("balance")
    retry_at = email.utils.parsedate_to_datetime(dated.headers["retry-after"])
    server_now = email.utils.parsedate_to_datetime(dated.headers["date"])
    assert server_now == NOW
    assert retry_at - server_now == timedelta(seconds=7)


def test_a_proxy_error_page_is_html_without_a_request_id(serve: Any) -> None:
    client = serve(faults=FaultConfig(schedule={1: "html"}))
    response = client.get("model-usage", WINDOW)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.lstrip().startswith("<html>")
    assert "x-request-id" not in response.headers


def test_a_dropped_connection_breaks_off_mid_body(serve: Any) -> None:
    client = serve(faults=FaultConfig(schedule={1: "drop"}))
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("model-costs", WINDOW)
    assert client.sim.requests[-1].status == 0
    assert client.get("model-costs", WINDOW).status_code == 200


@pytest.mark.parametrize("kind", ["truncated", "malformed"])
def test_a_broken_body_is_a_200_that_is_not_json(serve: Any, kind: str) -> None:
    client = serve(faults=FaultConfig(schedule={1: kind}))
    response = client.get("model-costs", WINDOW)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_a_slow_response_outlasts_a_client_timeout(serve: Any) -> None:
    client = serve(faults=FaultConfig(schedule={1: "slow"}, slow_s=1.0))
    with pytest.raises(httpx.ReadTimeout):
        client.get("balance", timeout=0.2)


def test_faults_can_be_limited_to_some_endpoints(serve: Any) -> None:
    client = serve(faults=FaultConfig(rates={"503": 1.0}, endpoints=("model-costs",)))
    assert client.get("balance").status_code == 200
    assert client.get("model-usage", WINDOW).status_code == 200
    assert client.get("model-costs", WINDOW).status_code == 503


def outcomes(client: Api, n: int) -> list[tuple[int, str | None]]:
    seen = []
    for _ in range(n):
        try:
            status = client.get("model-costs", WINDOW, timeout=5).status_code
        except httpx.HTTPError as exc:
            status = -1
            assert isinstance(exc, httpx.RemoteProtocolError)
        seen.append((status, client.sim.requests[-1].fault))
    return seen


def test_faults_by_rate_are_reproducible_from_the_seed(serve: Any) -> None:
    rates = {"429": 0.1, "500": 0.1, "503": 0.1, "drop": 0.05, "truncated": 0.05}
    first = outcomes(serve(faults=FaultConfig(seed=3, rates=rates)), 40)
    again = outcomes(serve(faults=FaultConfig(seed=3, rates=rates)), 40)
    other = outcomes(serve(faults=FaultConfig(seed=4, rates=rates)), 40)
    assert first == again
    assert first != other
    kinds = {fault for _, fault in first}
    assert len(kinds - {None}) >= 3
    assert 0.2 < sum(fault is not None for _, fault in first) / 40 < 0.6


def test_changing_faults_on_the_fly_restarts_the_schedule(serve: Any) -> None:
    client = serve(faults=FaultConfig(schedule={1: "500"}))
    assert client.get("balance").status_code == 500
    assert client.get("balance").status_code == 200
    client.sim.faults = FaultConfig(schedule={1: "503"})
    assert client.get("balance").status_code == 503


def test_the_token_bucket_limits_each_key_on_its_own(serve: Any) -> None:
    client = serve(faults=FaultConfig(rate_limit_per_s=0.2, rate_limit_burst=3))
    statuses = [client.get("model-costs", WINDOW).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("model-costs", WINDOW)
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    params = {**WINDOW, "scope": "self"}
    assert client.get("model-costs", params, key="self_only").status_code == 200


def test_latency_delays_every_response(serve: Any) -> None:
    client = serve(faults=FaultConfig(latency_ms=150, jitter_ms=50))
    started = time.monotonic()
    assert client.get("balance").status_code == 200
    assert time.monotonic() - started >= 0.15
