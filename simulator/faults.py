"""Faults on demand: what can go wrong between a client and the API, reproducible from a seed.

A fault is chosen per request, either by schedule (the Nth request gets this fault) or by rate
(each request draws from a hash of the seed and its number, so the same seed and the same
sequence of requests give the same faults). A token bucket per API key rate-limits in real time.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Every fault the simulator can inject, in the order rates are drawn.
FAULT_KINDS: tuple[str, ...] = (
    "429",  # rate_limit_error with Retry-After in seconds
    "429_date",  # rate_limit_error with Retry-After as an HTTP date (on the simulated clock)
    "500",  # api_error / internal_error
    "502",  # api_error / bad_gateway
    "503",  # overloaded_error / service_unavailable
    "html",  # a proxy's HTML error page (502, text/html, no request_id)
    "drop",  # the connection is closed half-way through the response body
    "slow",  # the response comes after `slow_s` seconds (past a client's timeout)
    "truncated",  # 200 with the JSON body cut short (Content-Length matches what is sent)
    "malformed",  # 200 with a body that is not valid JSON
    # 200 with valid JSON in a shape the contract rules out (see `corrupt_body`):
    "missing_field",  # a required field left out
    "wrong_type",  # a field of the wrong JSON type
    "money_decimals",  # money with two decimals instead of six
    "no_cursor",  # has_more: true with next_page null
    "repeated_group",  # a day's first result sent twice (the same group keys)
    "cursor_loop",  # next_page hands back the cursor just followed (or the first page's)
)
SHAPE_FAULTS = frozenset(
    {"missing_field", "wrong_type", "money_decimals", "no_cursor", "repeated_group"}
)
"""The faults `corrupt_body` applies; `cursor_loop` needs the API's cursors and lives there."""

ENDPOINTS: tuple[str, ...] = ("balance", "model-usage", "model-costs")


@dataclass(frozen=True)
class FaultConfig:
    """Which faults to inject, how often, and the network latency to simulate.

    rates: fault kind -> probability per request (their sum at most 1).
    schedule: request number (1-based, counting requests faults apply to) -> fault kind.
    endpoints: the endpoints faults apply to (None: all three).
    rate_limit_per_s / rate_limit_burst: a token bucket per API key (None: no limit).
    """

    seed: int = 0
    rates: Mapping[str, float] = field(default_factory=dict)
    schedule: Mapping[int, str] = field(default_factory=dict)
    endpoints: tuple[str, ...] | None = None
    retry_after_s: int = 1
    slow_s: float = 3.0
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_limit_per_s: float | None = None
    rate_limit_burst: int = 10

    def __post_init__(self) -> None:
        unknown = {*self.rates, *self.schedule.values()} - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        # `not r >= 0` refuses NaN too, which `r < 0` let through (NaN compares False)
        if not all(r >= 0 for r in self.rates.values()) or not sum(self.rates.values()) <= 1:
            raise ValueError("fault rates must be >= 0 and sum to at most 1")
        if self.endpoints is not None and set(self.endpoints) - set(ENDPOINTS):
            raise ValueError(f"endpoints must be among {ENDPOINTS}")
        for name in ("latency_ms", "jitter_ms", "slow_s"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a number, 0 or more, got {value}")
        if self.rate_limit_per_s is not None and not (
            self.rate_limit_per_s > 0 and math.isfinite(self.rate_limit_per_s)
        ):
            raise ValueError("rate_limit_per_s must be positive")
        if self.rate_limit_burst < 1:
            raise ValueError(f"rate_limit_burst must be 1 or more, got {self.rate_limit_burst}")


@dataclass(frozen=True)
class FaultDecision:
    """What happens to one request: latency, and at most one fault."""

    number: int  # 0 when faults do not apply to the request's endpoint
    delay_s: float
    kind: str | None
    retry_after_s: int = 0


def _unit(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) from a hash: the same inputs always give the same number."""
    digest = hashlib.sha256("|".join(map(str, (seed, *parts))).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


class FaultInjector:
    """Decides, request by request, the latency and the fault to inject."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._count = 0
        self._buckets: dict[str, tuple[float, float]] = {}

    def decide(self, endpoint: str, credential: str) -> FaultDecision:
        cfg = self.config
        if cfg.endpoints is not None and endpoint not in cfg.endpoints:
            return FaultDecision(0, 0.0, None)
        with self._lock:
            self._count += 1
            n = self._count
            limited_for = self._take_token(credential)
        delay = (cfg.latency_ms + cfg.jitter_ms * _unit(cfg.seed, n, "jitter")) / 1000.0
        if limited_for is not None:
            return FaultDecision(n, delay, "429", limited_for)
        kind = cfg.schedule.get(n)
        if kind is None:
            draw = _unit(cfg.seed, n, "fault")
            cumulative = 0.0
            for candidate in FAULT_KINDS:
                cumulative += cfg.rates.get(candidate, 0.0)
                if draw < cumulative:
                    kind = candidate
                    break
        return FaultDecision(n, delay, kind, cfg.retry_after_s)

    def _take_token(self, credential: str) -> int | None:
        """Take a token from the caller's bucket; if empty, the seconds until one is back."""
        rate = self.config.rate_limit_per_s
        if rate is None:
            return None
        burst = float(self.config.rate_limit_burst)
        now = time.monotonic()
        tokens, last = self._buckets.get(credential, (burst, now))
        tokens = min(burst, tokens + (now - last) * rate)
        if tokens >= 1.0:
            self._buckets[credential] = (tokens - 1.0, now)
            return None
        self._buckets[credential] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / rate))


def corrupt_body(kind: str, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    """`body` of a 200 answer broken the way `kind` names (one of SHAPE_FAULTS), in place.

    Lists: `missing_field` drops the first bucket's `date` (or `data`, when there is no bucket),
    `wrong_type` makes the first bucket's `partial` a string (or `data` one), `money_decimals`
    cuts the first cost amount to two decimals, `no_cursor` claims more pages without a cursor,
    `repeated_group` sends the first bucket's first result twice.
    /balance: `available` loses its value, becomes a string, or has two decimals.
    Usage lists carry no money and /balance no cursor: those pairs are left as they are.
    """
    if endpoint == "balance":
        available = body.get("available") or {}
        if kind == "missing_field":
            available.pop("value", None)
        elif kind == "wrong_type":
            body["available"] = available.get("value")
        elif kind == "money_decimals" and "value" in available:
            available["value"] = available["value"][:-4]
        return body
    buckets = body.get("data") or []
    if kind == "missing_field":
        if buckets:
            del buckets[0]["date"]
        else:
            del body["data"]
    elif kind == "wrong_type":
        if buckets:
            buckets[0]["partial"] = str(buckets[0]["partial"]).lower()
        else:
            body["data"] = "[]"
    elif kind == "money_decimals":
        amounts = [r["amount"] for b in buckets for r in b["results"] if "amount" in r]
        if amounts:
            amounts[0]["value"] = amounts[0]["value"][:-4]
    elif kind == "no_cursor":
        body["has_more"] = True
        body["next_page"] = None
    elif kind == "repeated_group":
        results = next((b["results"] for b in buckets if b.get("results")), None)
        if results:
            results.append(dict(results[0]))
    return body
