"""A tiny HTTP server on 127.0.0.1 answering what a test tells it to, for the shapes of the wire
the simulator never sends (broken pages, odd cursors): the client still talks real HTTP to it."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

SERVER_NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
"""The fake server's clock (its HTTP Date), far from this machine's."""


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    """A dict (sent as JSON) or bytes (sent as they are)."""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    path: str
    query: list[tuple[str, str]]
    raw_query: str
    authorization: str | None
    accept_encoding: str | None = None


Route = Callable[[Request], Reply]


@dataclass
class FakeApi:
    """Answers each GET with `route(request)`; records every request."""

    route: Route
    base_url: str = ""
    requests: list[Request] = field(default_factory=list)


@contextmanager
def serve(route: Route, *, tls: ssl.SSLContext | None = None) -> Iterator[FakeApi]:
    """Serves on 127.0.0.1, over TLS with `tls` (a server-side context)."""
    api = FakeApi(route)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            request = Request(
                path=parts.path.removeprefix("/public/v1"),
                query=parse_qsl(parts.query, keep_blank_values=True),
                raw_query=parts.query,
                authorization=self.headers.get("authorization"),
                accept_encoding=self.headers.get("accept-encoding"),
            )
            api.requests.append(request)
            reply = api.route(request)
            body = reply.body if isinstance(reply.body, bytes) else orjson.dumps(reply.body)
            self.send_response(reply.status)
            headers = {"content-type": "application/json", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def date_time_string(self, timestamp: float | None = None) -> str:
            return format_datetime(SERVER_NOW, usegmt=True)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "http" if tls is None else "https"
    api.base_url = f"{scheme}://127.0.0.1:{server.server_address[1]}/public/v1"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


def bucket(day: date, results: list[dict[str, Any]], *, partial: bool = False) -> dict[str, Any]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    return {
        "object": "model_cost.bucket",
        "date": day.isoformat(),
        "start_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_at": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "covered_until": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "partial": partial,
        "results": results,
    }


def page(
    buckets: list[dict[str, Any]],
    *,
    has_more: bool = False,
    next_page: str | None = None,
    request_id: str = "req_fake",
) -> dict[str, Any]:
    return {
        "object": "list",
        "scope": "account",
        "data": buckets,
        "has_more": has_more,
        "next_page": next_page,
        "request_id": request_id,
    }


def money(value: str) -> dict[str, str]:
    return {"value": value, "currency": "usd"}


def balance_with_unknown_fields() -> dict[str, Any]:
    """A /balance body with fields the contract does not name: at the top (a money object, one
    named like a column of ours, an integer, a null), in `account` and in `credit_grant`."""
    return {
        "object": "balance",
        "scope": "account",
        "account": {"id": "acc_1", "region": "eu"},
        "available": money("12.500000"),
        "promo": money("1.250000"),
        "currency": "usd",
        "tier": 2,
        "retired": None,
        "credit_grant": {"status": "active", "limit_kind": "soft"},
        "request_id": "req_bal",
    }
