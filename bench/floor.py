"""The floor: the pages a load reads, downloaded and parsed, with nothing done to them.

Same windows, endpoints, grain (model + api_key), page size (1000) and small queries (daily
totals, models, the balance and the recent days' costs it records) as the load, the same
transport (urllib3's connection pool, called as the load's client calls it), and as many
request chains in flight as the client allows.
The pages of /model-costs and /model-usage are decoded as the load decodes them
(`mapping.read_typed`: msgspec's typed decode into the contract's fields, one page at a time),
the cheapest full parse measured on this machine (~0.3 ms a 150 KB page, orjson ~0.5 ms;
bench/PERFORMANCE.md, step 12); the small queries with orjson. What is left is the cost of
moving and parsing the bytes on this machine: no load can be faster.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import orjson
import urllib3

from bench.simulated_api import PAGE_SIZE, Window, windows
from sources.atlas_billing import mapping, settings

Params = list[tuple[str, str]]
ONE_DAY = timedelta(days=1)
RECENT_DAYS = settings.DEFAULT_LOOKBACK_DAYS + 1
"""Closed days before today whose cost a balance snapshot records, like the load's."""
GRAIN = [("group_by[]", "model"), ("group_by[]", "api_key")]
TYPED = {"model_costs": mapping.read_typed("costs"), "model_usage": mapping.read_typed("usage")}
"""How the load decodes the pages of the finest grain; the rest is decoded with orjson."""
TIMEOUT = urllib3.Timeout(connect=10, read=60)


@dataclass
class FloorCounts:
    """What the floor read."""

    rows: dict[str, int] = field(default_factory=dict)
    """Result rows per kind (model_costs, model_usage, ungrouped_costs, models, balance)."""
    requests: int = 0
    bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, rows: int, size: int) -> None:
        with self._lock:
            self.rows[kind] = self.rows.get(kind, 0) + rows
            self.requests += 1
            self.bytes += size


def download(
    base_url: str, api_key: str, start: date, end: date, *, max_in_flight: int
) -> FloorCounts:
    """Read every page of [start, end) and the balance, `max_in_flight` chains at a time."""
    counts = FloorCounts()
    url = urllib3.util.parse_url(base_url)
    connections = urllib3.HTTPConnectionPool(
        url.host or "127.0.0.1",
        url.port,
        maxsize=max_in_flight + 2,
        headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
        timeout=TIMEOUT,
        retries=False,
    )
    base = (url.path or "").rstrip("/") + "/"

    def get(endpoint: str, params: Params | None = None) -> urllib3.BaseHTTPResponse:
        query = f"?{urlencode(params)}" if params else ""
        response = connections.urlopen("GET", base + endpoint.lstrip("/") + query, redirect=False)
        if response.status != 200:
            raise RuntimeError(f"{endpoint}: HTTP {response.status}")
        return response

    def pages(kind: str, endpoint: str, params: Params) -> Iterator[dict[str, Any]]:
        typed = TYPED.get(kind)
        query = params
        while True:
            response = get(endpoint, query)
            if typed is None:
                body = orjson.loads(response.data)
                rows = sum(len(b["results"]) for b in body["data"])
            else:
                read = typed(response.data)
                if read is None:
                    raise RuntimeError(f"{endpoint}: a page without the contract's shape")
                body, data = read
                rows = sum(len(b.results) for b in data)
            counts.add(kind, rows, len(response.data))
            yield body
            if not body["has_more"]:
                return
            query = [*params, ("page", body["next_page"])]

    def chain(kind: str, endpoint: str, params: Params) -> Callable[[], None]:
        def run() -> None:
            for _ in pages(kind, endpoint, params):
                pass

        return run

    def models(window: Window) -> Callable[[], None]:
        def run() -> None:
            types: set[str] = set()
            for body in pages(
                "models", "/model-costs", _query(window, [("group_by[]", "model_type")])
            ):
                types.update(r["model_type"] for b in body["data"] for r in b["results"])
            for model_type in sorted(types):
                params = _query(window, [("group_by[]", "model"), ("model_types[]", model_type)])
                for _ in pages("models", "/model-costs", params):
                    pass

        return run

    def balance() -> None:
        response = get("/balance")
        orjson.loads(response.data)
        counts.add("balance", 1, len(response.data))
        today = parsedate_to_datetime(response.headers["date"]).astimezone(UTC).date()
        recent = Window(today - timedelta(days=RECENT_DAYS), today + ONE_DAY)
        for _ in pages("ungrouped_costs", "/model-costs", _query(recent, [])):
            pass

    jobs: list[Callable[[], None]] = []
    for window in windows(start, end):
        jobs += [
            chain("model_costs", "/model-costs", _query(window, GRAIN)),
            chain("model_usage", "/model-usage", _query(window, GRAIN)),
            chain("ungrouped_costs", "/model-costs", _query(window, [])),
            models(window),
        ]
    jobs.append(balance)
    with connections, ThreadPoolExecutor(max_workers=max_in_flight) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    return counts


def _query(window: Window, extra: Sequence[tuple[str, str]]) -> Params:
    return [
        ("start_date", window.start.isoformat()),
        ("end_date", window.end.isoformat()),
        ("scope", "account"),
        *extra,
        ("limit", str(PAGE_SIZE)),
    ]
