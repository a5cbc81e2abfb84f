"""The HTTP face of the simulator: /balance, /model-usage and /model-costs as an ASGI app.

Implements shared/atlas-billing-api.md: request rules with the documented error envelope,
pagination that counts result rows, cursors bound to their query, an HTTP `Date` from the
simulated clock, and a `request_id` on every JSON response. Faults are injected here too.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import hashlib
import hmac
import re
import struct
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import numpy as np
import numpy.typing as npt
import orjson

from simulator.account import COUNT_FIELDS, MODEL_TYPES
from simulator.days import day_start, days_between, hours_into
from simulator.faults import SHAPE_FAULTS, corrupt_body
from simulator.money import usd_string
from simulator.query import (
    FIELDS_BY_TYPE_MASK,
    GROUP_KEYS,
    GROUPINGS,
    DayResult,
    UsageQuery,
    aggregate,
    pair_mask,
)

if TYPE_CHECKING:
    from simulator.simulator import Simulator

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

BASE_PATH = "/public/v1"
MAX_DAYS = 180
MAX_IDS = 100
MAX_MODEL_TYPES = 3
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
ARRAY_PARAMS = ("group_by[]", "model_types[]", "model_ids[]", "api_key_ids[]")
SCALAR_PARAMS = ("start_date", "end_date", "scope", "limit", "page")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LIMIT = re.compile(r"[0-9]{1,7}")
# Cursor bytes start with these so that the base64 text always holds "+" and "/" (and ends in
# "="): a client that does not URL-encode the cursor breaks at once, not one day in production.
_CURSOR_MAGIC = b"\xfb\xff\xbf"
_CURSOR_LAYOUT = struct.Struct(">3sBIIq")
_CURSOR_TAG_BYTES = 12
_RESULT_CACHE_SIZE = 64

_PROXY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class SimulatedDrop(ConnectionAbortedError):
    """Raised mid-response to make the server close the connection (the `drop` fault)."""


class ApiError(Exception):
    """An error answered with the documented envelope."""

    def __init__(
        self, status: int, type_: str, code: str, message: str, param: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.code = code
        self.message = message
        self.param = param


def _bad_request(code: str, message: str, param: str | None) -> ApiError:
    return ApiError(400, "invalid_request_error", code, message, param)


@dataclass(frozen=True)
class ListRequest:
    """A validated /model-usage or /model-costs request."""

    start: date
    end: date
    query: UsageQuery
    limit: int
    page: str | None


@dataclass(frozen=True)
class Cursor:
    day_offset: int
    row_offset: int
    as_of: datetime


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    retry_after: str | None = None


class BillingApi:
    """ASGI application serving the simulated Billing Public API."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        seed = sim.config.seed
        self._cursor_key = hashlib.sha256(f"atlas-sim-cursor|{seed}".encode()).digest()
        self._results: OrderedDict[tuple[Any, ...], DayResult] = OrderedDict()
        self._masks: dict[UsageQuery, npt.NDArray[np.bool_]] = {}

    # ---- ASGI ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        sim = self.sim
        path: str = scope["path"]
        query_items = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        credential = _bearer(scope)
        endpoint = path[len(BASE_PATH) + 1 :] if path.startswith(BASE_PATH + "/") else ""
        request_id = sim.next_request_id()
        decision = sim.fault_injector.decide(endpoint, credential or "")
        if decision.delay_s > 0:
            await asyncio.sleep(decision.delay_s)
        fault = decision.kind
        if fault == "slow":
            await asyncio.sleep(sim.fault_injector.config.slow_s)
        response = self._fault_response(fault, decision.retry_after_s, request_id)
        if response is None:
            try:
                payload = self._handle(
                    scope["method"], endpoint, query_items, credential, fault == "cursor_loop"
                )
                if fault in SHAPE_FAULTS:
                    payload = corrupt_body(fault, endpoint, payload)
                payload["request_id"] = request_id
                response = Response(200, orjson.dumps(payload))
            except ApiError as error:
                response = _error_response(error, request_id)
        status = response.status
        body_bytes = response.body
        if fault == "truncated" and status == 200:
            body_bytes = body_bytes[: max(1, len(body_bytes) * 2 // 3)]
        elif fault == "malformed" and status == 200:
            body_bytes = body_bytes.replace(b'"', b"'", 3) + b"\x00}"
        sim.record(
            scope["method"], path, query_items, 0 if fault == "drop" else status, request_id, fault
        )
        headers = [
            (b"content-type", response.content_type.encode()),
            (b"content-length", str(len(body_bytes)).encode()),
            (b"date", email.utils.format_datetime(sim.clock.now(), usegmt=True).encode()),
        ]
        if response.content_type == "application/json":
            headers.append((b"x-request-id", request_id.encode()))
        if response.retry_after is not None:
            headers.append((b"retry-after", response.retry_after.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if fault == "drop":
            # Half the body, then the connection goes away (the server stops mid-response).
            await send(
                {
                    "type": "http.response.body",
                    "body": body_bytes[: len(body_bytes) // 2],
                    "more_body": True,
                }
            )
            raise SimulatedDrop("simulated connection drop")
        await send({"type": "http.response.body", "body": body_bytes})

    def _fault_response(
        self, fault: str | None, retry_after_s: int, request_id: str
    ) -> Response | None:
        if fault in ("429", "429_date"):
            error = ApiError(429, "rate_limit_error", "rate_limited", "Too many requests.")
            response = _error_response(error, request_id)
            if fault == "429":
                response.retry_after = str(retry_after_s)
            else:
                when = self.sim.clock.now() + timedelta(seconds=retry_after_s)
                response.retry_after = email.utils.format_datetime(
                    when.replace(microsecond=0), usegmt=True
                )
            return response
        if fault == "500":
            return _error_response(
                ApiError(500, "api_error", "internal_error", "Internal error."), request_id
            )
        if fault == "502":
            return _error_response(
                ApiError(502, "api_error", "bad_gateway", "Bad gateway."), request_id
            )
        if fault == "503":
            error = ApiError(503, "overloaded_error", "service_unavailable", "Service unavailable.")
            return _error_response(error, request_id)
        if fault == "html":
            return Response(502, _PROXY_HTML, content_type="text/html")
        return None

    # ---- routing and auth ------------------------------------------------------------------

    def _handle(
        self,
        method: str,
        endpoint: str,
        items: list[tuple[str, str]],
        credential: str | None,
        cursor_loop: bool = False,
    ) -> dict[str, Any]:
        if endpoint not in ("balance", "model-usage", "model-costs"):
            raise ApiError(404, "invalid_request_error", "not_found", "No such endpoint.")
        if method != "GET":
            raise ApiError(405, "invalid_request_error", "method_not_allowed", "Use GET.")
        if credential is None:
            raise ApiError(
                401,
                "authentication_error",
                "missing_api_key",
                "Send your API key as 'Authorization: Bearer apikey-...'.",
            )
        user = self.sim.keys.user_of(credential)
        if user is None:
            raise ApiError(401, "authentication_error", "invalid_api_key", "Invalid API key.")
        if endpoint == "balance":
            if user != "owner":
                raise ApiError(
                    403,
                    "permission_error",
                    "insufficient_permissions",
                    "This API key may not read the account balance.",
                )
            if items:
                raise _bad_request(
                    "unknown_parameter", f"Unknown parameter {items[0][0]!r}.", items[0][0]
                )
            return self._balance()
        request = self._validate(items, user)
        return self._list(endpoint, request, user, cursor_loop)

    # ---- /balance --------------------------------------------------------------------------

    def _balance(self) -> dict[str, Any]:
        sim = self.sim
        micros = sim.ledger.balance_micros(sim.clock.now())
        body: dict[str, Any] = {
            "object": "balance",
            "scope": "account",
            "account": {
                "id": sim.account.account_id,
                "name": sim.config.account_name,
                "type": sim.config.account_type,
            },
        }
        for name in ("available", "cash", "bonus", "subscription_bonus", "frozen"):
            body[name] = _money(micros[name])
        granted = sim.config.credit_grant_usd
        if granted is None:
            body["credit_grant"] = None
        else:
            granted_micros = int(granted * 1_000_000)
            used = max(0, -micros["available"])
            body["credit_grant"] = {
                "status": "active",
                "granted": _money(granted_micros),
                "used": _money(used),
                "remaining_overdraft": _money(max(0, granted_micros - used)),
                "overdrawn": _money(max(0, used - granted_micros)),
            }
        return body

    # ---- validation ------------------------------------------------------------------------

    def _validate(self, items: list[tuple[str, str]], user: str) -> ListRequest:
        scalars: dict[str, str] = {}
        arrays: dict[str, list[str]] = {name: [] for name in ARRAY_PARAMS}
        for name, value in items:
            if name in arrays:
                arrays[name].append(value)
            elif name in SCALAR_PARAMS:
                if name in scalars:
                    raise _bad_request(
                        "duplicate_parameter", f"{name} was given more than once.", name
                    )
                scalars[name] = value
            elif name + "[]" in arrays:
                raise _bad_request(
                    "unknown_parameter",
                    f"Unknown parameter {name!r}: send arrays as repeated {name}[] keys.",
                    name,
                )
            else:
                raise _bad_request("unknown_parameter", f"Unknown parameter {name!r}.", name)
        start = _parse_date(scalars, "start_date")
        end = _parse_date(scalars, "end_date")
        if end <= start:
            raise _bad_request("invalid_date", "end_date must be after start_date.", "end_date")
        if (end - start).days > MAX_DAYS:
            raise _bad_request(
                "date_range_too_large",
                f"The range covers {(end - start).days} days; at most {MAX_DAYS} are allowed.",
                "end_date",
            )
        scope = scalars.get("scope", "self")
        if scope not in ("self", "account"):
            raise _bad_request("invalid_scope", "scope must be 'self' or 'account'.", "scope")
        if scope == "account" and user != "owner":
            raise ApiError(
                403,
                "permission_error",
                "insufficient_permissions",
                "This API key may not read account-scope model billing.",
                "scope",
            )
        for name, values in arrays.items():
            if any("," in v for v in values):
                raise _bad_request(
                    "comma_delimited_not_supported",
                    f"Comma-delimited values are not supported: repeat {name} once per value.",
                    name,
                )
        group_values = arrays["group_by[]"]
        grouping = tuple(sorted(group_values))
        if (
            any(v not in GROUP_KEYS for v in group_values)
            or len(set(group_values)) != len(group_values)
            or grouping not in GROUPINGS
        ):
            raise _bad_request(
                "invalid_group_by",
                "group_by[] must be one of {model_type}, {model}, {api_key}, {model, api_key}.",
                "group_by[]",
            )
        limits = {
            "model_types[]": MAX_MODEL_TYPES,
            "model_ids[]": MAX_IDS,
            "api_key_ids[]": MAX_IDS,
        }
        for name, most in limits.items():
            if len(arrays[name]) > most:
                raise _bad_request("too_many_values", f"{name} takes at most {most} values.", name)
        if any(not v.startswith("ak_") for v in arrays["api_key_ids[]"]):
            raise _bad_request(
                "invalid_api_key_id", "api_key_ids[] takes API key IDs (ak_...).", "api_key_ids[]"
            )
        raw_limit = scalars.get("limit", str(DEFAULT_LIMIT))
        if not _LIMIT.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise _bad_request(
                "invalid_limit", f"limit must be an integer from 1 to {MAX_LIMIT}.", "limit"
            )

        def normalised(name: str) -> tuple[str, ...] | None:
            return tuple(sorted(set(arrays[name]))) if arrays[name] else None

        query = UsageQuery(
            group_by=grouping,
            scope=scope,
            user=user if scope == "self" else "owner",
            model_types=normalised("model_types[]"),
            model_ids=normalised("model_ids[]"),
            api_key_ids=normalised("api_key_ids[]"),
        )
        return ListRequest(start, end, query, int(raw_limit), scalars.get("page"))

    # ---- cursors ---------------------------------------------------------------------------

    def _binding(self, endpoint: str, request: ListRequest, user: str) -> bytes:
        q = request.query
        parts = (endpoint, user, request.start, request.end, q, request.limit)
        return hashlib.sha256(repr(parts).encode()).digest()

    def _encode_cursor(self, cursor: Cursor, binding: bytes) -> str:
        as_of_us = int(cursor.as_of.timestamp() * 1_000_000)
        payload = _CURSOR_LAYOUT.pack(
            _CURSOR_MAGIC, 1, cursor.day_offset, cursor.row_offset, as_of_us
        )
        tag = hmac.digest(self._cursor_key, payload + binding, "sha256")[:_CURSOR_TAG_BYTES]
        return base64.b64encode(payload + tag).decode()

    def _decode_cursor(self, token: str, binding: bytes) -> Cursor:
        invalid = _bad_request(
            "invalid_page",
            "page is not a cursor returned for this query; pass next_page back unchanged, "
            "with every other parameter unchanged.",
            "page",
        )
        try:
            raw = base64.b64decode(token.encode(), validate=True)
        except ValueError:
            raise invalid from None
        if len(raw) != _CURSOR_LAYOUT.size + _CURSOR_TAG_BYTES:
            raise invalid
        payload, tag = raw[: _CURSOR_LAYOUT.size], raw[_CURSOR_LAYOUT.size :]
        expected = hmac.digest(self._cursor_key, payload + binding, "sha256")[:_CURSOR_TAG_BYTES]
        if not hmac.compare_digest(tag, expected):
            raise invalid
        magic, version, day_offset, row_offset, as_of_us = _CURSOR_LAYOUT.unpack(payload)
        if magic != _CURSOR_MAGIC or version != 1:
            raise invalid
        as_of = datetime.fromtimestamp(as_of_us / 1_000_000, tz=UTC)
        return Cursor(day_offset, row_offset, as_of)

    # ---- /model-usage and /model-costs ------------------------------------------------------

    def _list(
        self, endpoint: str, request: ListRequest, user: str, cursor_loop: bool = False
    ) -> dict[str, Any]:
        """One page of a list query; `cursor_loop` (a fault) points next_page back at the cursor
        just followed, or at this first page again."""
        binding = self._binding(endpoint, request, user)
        if request.page is not None:
            cursor = self._decode_cursor(request.page, binding)
        else:
            cursor = Cursor(0, 0, self.sim.clock.now())
        as_of = cursor.as_of
        last_day = min(request.end, as_of.date() + timedelta(days=1))
        days = days_between(request.start, last_day) if last_day > request.start else []
        mask = self._mask(request.query)
        is_costs = endpoint == "model-costs"
        day_index, offset = cursor.day_offset, cursor.row_offset
        remaining = request.limit
        buckets: list[dict[str, Any]] = []
        while day_index < len(days):
            day = days[day_index]
            result = self._day_result(request.query, mask, day, as_of)
            if offset > len(result):
                raise _bad_request("invalid_page", "The cursor no longer fits this query.", "page")
            take = min(remaining, len(result) - offset)
            buckets.append(
                self._bucket(day, as_of, result, offset, offset + take, request.query, is_costs)
            )
            offset += take
            remaining -= take
            if offset >= len(result):
                day_index += 1
                offset = 0
            if remaining == 0:
                break
        has_more = day_index < len(days)
        next_page = (
            self._encode_cursor(Cursor(day_index, offset, as_of), binding) if has_more else None
        )
        if cursor_loop:
            has_more = True
            next_page = request.page or self._encode_cursor(
                Cursor(cursor.day_offset, cursor.row_offset, as_of), binding
            )
        return {
            "object": "list",
            "scope": request.query.scope,
            "data": buckets,
            "has_more": has_more,
            "next_page": next_page,
        }

    def _mask(self, query: UsageQuery) -> npt.NDArray[np.bool_]:
        mask = self._masks.get(query)
        if mask is None:
            mask = pair_mask(self.sim.account, query)
            if len(self._masks) > 256:
                self._masks.clear()
            self._masks[query] = mask
        return mask

    def _day_result(
        self, query: UsageQuery, mask: npt.NDArray[np.bool_], day: date, as_of: datetime
    ) -> DayResult:
        book = self.sim.book
        key = (query, day, book.state_token(day, as_of))
        result = self._results.get(key)
        if result is None:
            result = aggregate(self.sim.account, book.as_of(day, as_of), query, mask)
            self._results[key] = result
            if len(self._results) > _RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        else:
            self._results.move_to_end(key)
        return result

    def _bucket(
        self,
        day: date,
        as_of: datetime,
        result: DayResult,
        lo: int,
        hi: int,
        query: UsageQuery,
        is_costs: bool,
    ) -> dict[str, Any]:
        start = day_start(day)
        end = start + timedelta(days=1)
        partial = day == as_of.date()
        covered = start + timedelta(hours=hours_into(day, as_of)) if partial else end
        return {
            "object": "model_cost.bucket" if is_costs else "usage.bucket",
            "date": day.isoformat(),
            "start_at": _iso(start),
            "end_at": _iso(end),
            "covered_until": _iso(covered),
            "partial": partial,
            "results": self._results_json(result, lo, hi, is_costs),
        }

    def _results_json(
        self, result: DayResult, lo: int, hi: int, is_costs: bool
    ) -> list[dict[str, Any]]:
        if hi <= lo:
            return []
        account = self.sim.account
        n = hi - lo
        types = result.model_type[lo:hi].tolist() if result.model_type is not None else None
        models = result.model[lo:hi].tolist() if result.model is not None else None
        slots = result.key_slot[lo:hi].tolist() if result.key_slot is not None else None
        model_names = [m.name for m in account.models]
        key_ids: list[str | None] = [*account.key_ids, None]
        rows: list[dict[str, Any]] = []
        if is_costs:
            # Costs are never negative, so the six-decimal strings come straight from divmod.
            whole, micros = np.divmod(result.cost_micros[lo:hi], 1_000_000)
            values = [f"{w}.{m:06d}" for w, m in zip(whole.tolist(), micros.tolist(), strict=True)]
            for i in range(n):
                row: dict[str, Any] = {"object": "model_cost.result"}
                if types is not None:
                    row["model_type"] = MODEL_TYPES[types[i]]
                if models is not None:
                    row["model"] = model_names[models[i]]
                if slots is not None:
                    row["api_key_id"] = key_ids[slots[i]]
                row["amount"] = {"value": values[i], "currency": "usd"}
                rows.append(row)
            return rows
        counts = result.counts[lo:hi].tolist()
        masks = result.type_mask[lo:hi].tolist()
        for i in range(n):
            row = {"object": "usage.result"}
            if types is not None:
                row["model_type"] = MODEL_TYPES[types[i]]
            if models is not None:
                row["model"] = model_names[models[i]]
            if slots is not None:
                row["api_key_id"] = key_ids[slots[i]]
            values = counts[i]
            for f in FIELDS_BY_TYPE_MASK[masks[i]]:
                row[COUNT_FIELDS[f]] = values[f]
            rows.append(row)
        return rows


def _parse_date(scalars: dict[str, str], name: str) -> date:
    raw = scalars.get(name)
    if raw is None:
        raise _bad_request("invalid_date", f"{name} is required (UTC YYYY-MM-DD).", name)
    if not _DATE.fullmatch(raw):
        raise _bad_request("invalid_date", f"{name} must be a UTC date YYYY-MM-DD.", name)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad_request("invalid_date", f"{name} is not a real date.", name) from None


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return ""
    return None


def _money(micros: int) -> dict[str, str]:
    return {"value": usd_string(micros), "currency": "usd"}


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _error_response(error: ApiError, request_id: str) -> Response:
    body = {
        "error": {
            "type": error.type,
            "code": error.code,
            "message": error.message,
            "param": error.param,
        },
        "request_id": request_id,
    }
    return Response(error.status, orjson.dumps(body))
