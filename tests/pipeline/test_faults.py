"""An unreliable API changes nothing in what is loaded: rate limits (both Retry-After forms), 5xx,
proxy error pages, dropped connections, timeouts and cut bodies are retried; what does not pass
stops the run with the API's own error."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from pipeline_support import NOW, Served, account, snapshot, table_rows

from simulator import FaultConfig
from sources.atlas_billing.errors import AtlasApiError

TODAY = NOW.date()
CONFIG = account(first_day=TODAY - timedelta(days=400))
FAST_RETRIES = {"request_timeout_seconds": 1.0, "max_attempts": 6}


def injected_faults(served: Served) -> set[str]:
    return {r.fault for r in served.sim.requests if r.fault}


def test_transient_faults_are_survived_with_the_same_tables(serve: Callable[..., Served]) -> None:
    clean = serve(CONFIG, subdir="clean")
    clean.load(source_options=FAST_RETRIES)
    kinds = ["429", "429_date", "500", "502", "503", "html", "drop", "slow", "truncated"]
    faults = FaultConfig(
        schedule={1 + 2 * n: kind for n, kind in enumerate(kinds)}, retry_after_s=1, slow_s=3.0
    )
    faulty = serve(CONFIG, faults=faults, subdir="faulty")

    summary = faulty.load(source_options=FAST_RETRIES)

    # the simulator logs a slow answer when it is sent, up to slow_s after the client gave up on it
    deadline = time.monotonic() + 10
    while injected_faults(faulty) != set(kinds) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert injected_faults(faulty) == set(kinds)
    assert snapshot(faulty.db) == snapshot(clean.db)
    assert summary.retries == len(kinds)
    assert set(summary.retries_by_reason) == {
        "rate_limited",
        "http_500",
        "http_502",
        "http_503",
        "connection",
        "timeout",
        "bad_body",
    }


@pytest.mark.slow
def test_a_rate_limited_backfill_slows_down_and_completes(serve: Callable[..., Served]) -> None:
    clean = serve(CONFIG, subdir="clean")
    clean.load()
    limited = serve(
        CONFIG,
        faults=FaultConfig(rate_limit_per_s=40, rate_limit_burst=4, retry_after_s=1),
        subdir="limited",
    )

    summary = limited.load(source_options={"window_days": 30, "max_in_flight": 6})

    assert summary.retries_by_reason.get("rate_limited", 0) > 0
    assert table_rows(limited.db, "model_costs") == table_rows(clean.db, "model_costs")


def test_an_error_that_persists_stops_the_run_naming_the_apis_error(
    serve: Callable[..., Served],
) -> None:
    served = serve(CONFIG, faults=FaultConfig(rates={"503": 1.0}))

    with pytest.raises(AtlasApiError) as raised:
        served.load(source_options={"max_attempts": 3})

    message = str(raised.value)
    assert "gave up after 3 attempt(s)" in message
    assert "status=503" in message and "type=overloaded_error" in message
    assert "code=service_unavailable" in message and "request_id=req_" in message
    assert raised.value.request_id == served.sim.requests[-1].request_id
    assert len(served.sim.requests) == 3
