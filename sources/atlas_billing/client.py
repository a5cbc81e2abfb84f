"""A small HTTP client for the Atlas Cloud Billing Public API.

It owns the transport: one pooled urllib3 connection set, timeouts, retries with exponential backoff
and jitter (429, 5xx, timeouts, dropped connections), a bound on requests in flight that shrinks
when the API rate-limits, cursor pagination, and turning error envelopes into `AtlasApiError`s.
What the fields of a response mean is `mapping.py`'s business.
"""

from __future__ import annotations

import ipaddress
import os
import random
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import certifi
import orjson
import urllib3
from urllib3.exceptions import HTTPError as TransportError
from urllib3.exceptions import LocationValueError, NewConnectionError
from urllib3.exceptions import TimeoutError as TransportTimeout

from sources.atlas_billing import settings
from sources.atlas_billing.errors import AtlasApiError, ConfigurationError, ContractViolation

QueryParams = Sequence[tuple[str, str]]
"""Query parameters as (name, value) pairs, so arrays go out as repeated keys."""
PageReader = Callable[[bytes], tuple[dict[str, Any], list[Any]] | None]
"""Decodes a list page's bytes into its top-level fields and its `data` (`mapping.read_typed`),
or answers None where the page does not have that shape."""


@dataclass(frozen=True)
class ApiResponse:
    """One decoded JSON response."""

    endpoint: str
    body: dict[str, Any]
    request_id: str | None
    server_time: datetime | None
    """The response's HTTP `Date` (UTC): the server's clock, which decides what "today" is."""
    data: list[Any] | None = None
    """A page read typed (`get(typed=...)`, `mapping.read_typed`): its `data`, the buckets as
    structs. `body` then holds the other top-level fields. The page's bytes are not kept: a
    request chain holds a group of pages until they are mapped."""

    def require_server_time(self) -> datetime:
        """The server's clock, or a ContractViolation when the response carried no `Date`."""
        if self.server_time is None:
            raise ContractViolation(
                "response has no usable HTTP Date header, so the server's today is unknown",
                endpoint=self.endpoint,
                param="Date",
                request_id=self.request_id,
            )
        return self.server_time


def check_base_url(base_url: str, *, allow_insecure: bool = False) -> str:
    """`base_url` without a trailing slash, or a ConfigurationError saying what is wrong with it.

    Every request carries the API key, so it goes over HTTPS. Plain HTTP is accepted for a
    loopback address (127.0.0.0/8, ::1, localhost: a local simulator or tunnel) and elsewhere
    only when the user allows it explicitly.
    """
    example = f"e.g. {settings.DEFAULT_BASE_URL}"
    parts = urlsplit(base_url)
    if parts.username is not None or parts.password is not None:
        # not echoed: whatever sits before the @ may be a secret
        raise ConfigurationError(
            "base_url must not carry a user name or password; remove the 'user:password@' part"
            " (the API key goes in api_key)"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"base_url must be an https:// URL with a host ({example}), got {base_url!r}"
        )
    try:
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:
        raise ConfigurationError(f"base_url has an invalid port, got {base_url!r}") from None
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"base_url must not have a query or fragment ({example}), got {base_url!r}"
        )
    if parts.scheme == "http" and not allow_insecure and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"base_url {base_url!r} is not HTTPS, so the API key would cross the network"
            " unencrypted; use https://, or if you must, set allow_insecure_base_url = true"
            " under [sources.atlas_billing] (SOURCES__ATLAS_BILLING__ALLOW_INSECURE_BASE_URL)"
        )
    return base_url.rstrip("/")


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine by itself: localhost, 127.0.0.0/8 or ::1.

    Names are not resolved: a DNS answer could change, a literal cannot.
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_key(api_key: str) -> None:
    """A ConfigurationError if the key holds characters no key has; the key is never echoed."""
    if not _API_KEY_TEXT.fullmatch(api_key):
        raise ConfigurationError(
            "api_key contains spaces, line breaks or non-ASCII characters; copy the key again"
            " exactly (a trailing newline from a file is a common cause)"
        )


_API_KEY_TEXT = re.compile(r"[\x21-\x7e]+")
"""Visible ASCII without spaces: what an HTTP header can carry and an API key is made of."""


class RequestStats:
    """Thread-safe counts of requests sent and retried, for progress lines and the summary."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.retries_by_reason: dict[str, int] = {}

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def count_retry(self, reason: str) -> None:
        with self._lock:
            self.retries += 1
            self.retries_by_reason[reason] = self.retries_by_reason.get(reason, 0) + 1


class _Throttle:
    """Bounds the requests in flight and paces them once the API rate-limits.

    A 429 pauses every thread for its Retry-After, halves the requests allowed in flight and
    doubles a minimum interval between request starts; successes slowly undo both, so a brief
    rate limit does not slow the rest of a long backfill, and a steady one is met at about the
    rate the API allows instead of by one pause after another.
    """

    _FIRST_INTERVAL = 0.01
    _MAX_INTERVAL = 1.0
    _RECOVERY = 0.995

    def __init__(self, max_in_flight: int) -> None:
        self._max = max(1, max_in_flight)
        self._limit = self._max
        self._in_flight = 0
        self._successes = 0
        self._interval = 0.0
        self._next_start = 0.0
        self._resume_at = 0.0
        self._backed_off_at = 0.0
        self._cond = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[float]:
        """Wait for a turn to send a request; yields the time it starts."""
        with self._cond:
            while True:
                now = time.monotonic()
                wait = max(self._resume_at, self._next_start) - now
                if wait > 0:
                    self._cond.wait(wait)
                elif self._in_flight < self._limit:
                    break
                else:
                    self._cond.wait()
            self._in_flight += 1
            self._next_start = now + self._interval
        try:
            yield now
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def rate_limited(self, pause_seconds: float, started_at: float) -> None:
        """React to a 429 of a request sent at `started_at`; once per burst of them."""
        with self._cond:
            self._resume_at = max(self._resume_at, time.monotonic() + pause_seconds)
            self._cond.notify_all()
            if started_at < self._backed_off_at:
                return  # sent before the last reaction: the same burst, already answered
            self._backed_off_at = time.monotonic()
            self._limit = max(1, self._limit // 2)
            self._successes = 0
            self._interval = min(self._MAX_INTERVAL, max(self._FIRST_INTERVAL, 2 * self._interval))
            self._resume_at = max(self._resume_at, time.monotonic() + pause_seconds)
            self._cond.notify_all()

    def succeeded(self) -> None:
        with self._cond:
            self._successes += 1
            if self._interval:
                self._interval *= self._RECOVERY
                if self._interval < self._FIRST_INTERVAL / 10:
                    self._interval = 0.0
            if self._limit < self._max and self._successes >= 2 * self._limit:
                self._limit += 1
                self._successes = 0
                self._cond.notify_all()


class AtlasBillingClient:
    """Reads the Billing Public API over one pooled urllib3 connection set; safe to share by
    threads."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        request_timeout_seconds: float = settings.DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_attempts: int = settings.DEFAULT_MAX_ATTEMPTS,
        max_retry_seconds: float = settings.DEFAULT_MAX_RETRY_SECONDS,
        max_in_flight: int = settings.DEFAULT_MAX_IN_FLIGHT,
        stats: RequestStats | None = None,
        allow_insecure_base_url: bool = False,
    ) -> None:
        check_api_key(api_key)
        if request_timeout_seconds <= 0:
            raise ConfigurationError(
                f"request_timeout_seconds must be more than 0, got {request_timeout_seconds}"
            )
        self.base_url = check_base_url(base_url, allow_insecure=allow_insecure_base_url)
        self._api_key = api_key
        self.max_attempts = max(1, max_attempts)
        self.max_retry_seconds = max_retry_seconds
        self.stats = stats or RequestStats()
        self.last_server_time: datetime | None = None
        """The `Date` of the latest response of any status: the server's clock."""
        self._throttle = _Throttle(max_in_flight)
        # urllib3's connection pool on the stdlib's http.client: per page it cost about half the
        # CPU (all of it holding the GIL) of httpx's pure-Python HTTP/1.1 stack (httpcore, h11),
        # and the reading of pages is bound by that CPU. Nothing is retried or redirected here:
        # `get` retries, and a redirect is refused (the key goes to base_url and nowhere else).
        url = urllib3.util.parse_url(self.base_url)
        host = url.host or ""  # check_base_url has made sure there is one
        pool_options: dict[str, Any] = {
            # one connection per request in flight, kept alive between pages
            "maxsize": max_in_flight + 2,
            "headers": {
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",  # decoded by urllib3
                "User-Agent": f"atlas-billing python-urllib3/{urllib3.__version__}",
            },
            "timeout": urllib3.Timeout(
                connect=min(settings.CONNECT_TIMEOUT_SECONDS, request_timeout_seconds),
                read=request_timeout_seconds,
            ),
            "retries": False,
        }
        self._pool: urllib3.HTTPConnectionPool
        if url.scheme == "https":
            self._pool = urllib3.HTTPSConnectionPool(
                host, url.port, ssl_context=tls_context(), **pool_options
            )
        else:
            self._pool = urllib3.HTTPConnectionPool(host, url.port, **pool_options)
        self._path = (url.path or "").rstrip("/") + "/"

    def close(self) -> None:
        self._pool.close()

    def _send(self, endpoint: str, params: QueryParams) -> urllib3.BaseHTTPResponse:
        """One GET, its body read in full and decoded."""
        query = urlencode(list(params))
        return self._pool.urlopen(
            "GET",
            self._path + endpoint.lstrip("/") + (f"?{query}" if query else ""),
            retries=False,
            redirect=False,
        )

    def get(
        self, endpoint: str, params: QueryParams = (), *, typed: PageReader | None = None
    ) -> ApiResponse:
        """GET one endpoint, retrying what is worth retrying, and decode its JSON body.

        Retried: 429 (after `Retry-After`, pausing every thread), 5xx, timeouts and dropped
        connections, within `max_attempts` and `max_retry_seconds`. Other 4xx fail at once.
        With `typed` (`mapping.read_typed`), a list page is decoded by it (`ApiResponse.data`)
        where it has the page's shape, and decoded as Python objects where not.
        """
        started = time.monotonic()
        attempt = bad_bodies = 0
        while True:
            attempt += 1
            outcome = self._attempt(endpoint, params, attempt, typed)
            if isinstance(outcome, ApiResponse):
                return outcome
            spent = time.monotonic() - started
            if outcome.reason == "not_json":
                # a web page where JSON should be (a proxy, a wrong base_url) rarely goes away
                # by itself: ask again, but only a little
                bad_bodies += 1
                if bad_bodies >= settings.MAX_ATTEMPTS_ON_BAD_BODY:
                    raise outcome.failure
            if attempt >= self.max_attempts or spent + outcome.delay > self.max_retry_seconds:
                if isinstance(outcome.failure, ContractViolation):
                    raise outcome.failure
                failure = outcome.failure
                raise AtlasApiError(
                    f"gave up after {attempt} attempt(s) in {spent:.1f}s: {failure.message}",
                    status=failure.status,
                    type=failure.type,
                    code=failure.code,
                    param=failure.param,
                    request_id=failure.request_id,
                    endpoint=endpoint,
                )
            self.stats.count_retry(outcome.reason)
            if outcome.reason == "rate_limited":
                # everyone waits: the slot() of every thread honours the pause
                self._throttle.rate_limited(outcome.delay, outcome.started_at)
            else:
                time.sleep(outcome.delay)

    def _attempt(
        self, endpoint: str, params: QueryParams, attempt: int, typed: PageReader | None
    ) -> ApiResponse | _Retry:
        self.stats.count_request()
        try:
            with self._throttle.slot() as started_at:
                response = self._send(endpoint, params)
        except LocationValueError as exc:
            raise ConfigurationError(f"base_url {self.base_url!r} is not usable: {exc}") from None
        except TransportError as exc:
            failure = AtlasApiError(self._transport_problem(exc), endpoint=endpoint)
            if _certificate_refused(exc):
                raise failure from None  # asking again cannot change the certificate
            reason = "timeout" if _timed_out(exc) else "connection"
            return _Retry(failure, reason, _backoff_seconds(attempt))
        self.last_server_time = _server_time(response) or self.last_server_time
        status = response.status
        if 300 <= status < 400:
            # never followed: the key goes to the configured base_url and nowhere else
            raise AtlasApiError(
                f"the API answered with a redirect to {response.headers.get('location')!r},"
                f" which is not followed (requests go only to base_url {self.base_url});"
                " if the API has moved, set base_url to its new address",
                status=status,
                request_id=response.headers.get("x-request-id"),
                endpoint=endpoint,
            )
        if status < 400:
            self._throttle.succeeded()
            try:
                return _decode(endpoint, response, typed)
            except ContractViolation as exc:
                # JSON cut short or garbled in transit is retried like a dropped connection
                reason = "bad_body" if _is_json(response) else "not_json"
                return _Retry(exc, reason, _backoff_seconds(attempt))
        failure = _api_error(endpoint, params, response)
        if status not in settings.RETRY_STATUSES:
            raise failure
        if status != 429:
            return _Retry(failure, f"http_{status}", _backoff_seconds(attempt))
        retry_after = _retry_after_seconds(response)
        delay = _backoff_seconds(attempt) if retry_after is None else retry_after
        # a little jitter so that paused threads do not come back in lockstep
        return _Retry(failure, "rate_limited", delay + random.uniform(0, 0.25), started_at)

    def _transport_problem(self, exc: TransportError) -> str:
        """What went wrong on the way to the API, and what to do about it, in one line."""
        # the error may quote what was sent (a header, say); the key must not leave with it
        detail = _described(exc).replace(self._api_key, "apikey-***")
        if _certificate_refused(exc):
            return (
                f"the API's TLS certificate could not be verified ({detail}); if a proxy or"
                " gateway of your company re-signs HTTPS, point SSL_CERT_FILE (or SSL_CERT_DIR)"
                " at its CA certificates, and check that base_url names the API's host"
            )
        if _timed_out(exc):
            return (
                f"the API did not answer in time ({detail}); run again later, or raise"
                " request_timeout_seconds"
            )
        if isinstance(exc, NewConnectionError):
            # the socket's own error says it best ("Connection refused", a name not resolved)
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, OSError):
                detail = f"{type(cause).__name__}: {cause}"
            return (
                f"cannot reach the API at {self.base_url} ({detail}); check base_url and the"
                " network"
            )
        return f"the connection to the API broke ({detail}); run again later"

    def pages(
        self, endpoint: str, params: QueryParams, *, typed: PageReader | None = None
    ) -> Iterator[ApiResponse]:
        """Every page of a cursor-paginated list, passing `next_page` back unchanged.

        Every other parameter is sent identically on every page, as the API requires. A page
        claiming more data without a cursor, or a cursor seen before, stops the read. `typed`: see
        `get`.
        """
        seen: set[str] = set()
        page_params = list(params)
        while True:
            response = self.get(endpoint, page_params, typed=typed)
            yield response
            has_more = response.body.get("has_more", False)
            next_page = response.body.get("next_page")
            if not isinstance(has_more, bool):
                raise _violation(response, "has_more", "is not a boolean")
            if next_page is not None and not isinstance(next_page, str):
                raise _violation(response, "next_page", "is not a string or null")
            if not has_more:
                return
            if not next_page:
                raise _violation(response, "next_page", "is missing although has_more is true")
            if next_page in seen:
                raise _violation(response, "next_page", "repeats a cursor already followed")
            seen.add(next_page)
            page_params = [*params, ("page", next_page)]


def tls_context() -> ssl.SSLContext:
    """Certificates are verified against `SSL_CERT_FILE` or `SSL_CERT_DIR` where set (a
    company's own CA, say), else against certifi's bundle: what httpx and requests do."""
    for variable in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        if path := os.environ.get(variable):
            try:
                if variable == "SSL_CERT_FILE":
                    return ssl.create_default_context(cafile=path)
                return ssl.create_default_context(capath=path)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigurationError(
                    f"{variable}={path!r} holds no CA certificates that can be read ({exc});"
                    " point it at a PEM bundle (SSL_CERT_DIR: a folder of them), or unset it"
                    " to use the bundled public CAs"
                ) from None
    return ssl.create_default_context(cafile=certifi.where())


def _described(exc: TransportError) -> str:
    """`Type: message` of a transport error; urllib3 keeps the error it wraps beside its message
    (`ProtocolError("Connection aborted.", RemoteDisconnected(...))`), which is named once."""
    message, *more = exc.args or ("",)
    if not isinstance(message, str):
        return f"{type(exc).__name__}: {exc}"
    described = f"{type(exc).__name__}: {message}"
    wrapped = more[0] if more else None
    if isinstance(wrapped, BaseException) and str(wrapped) not in message:
        described += f" ({type(wrapped).__name__}: {wrapped})"
    return described


def _certificate_refused(exc: BaseException) -> bool:
    """Whether the TLS handshake failed on the server's certificate (urllib3 wraps the
    `ssl.SSLCertVerificationError` in its own errors)."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        error = todo.pop()
        if not isinstance(error, BaseException) or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, ssl.SSLCertVerificationError):
            return True
        todo.extend((*error.args, error.__cause__, error.__context__))
    return False


def _timed_out(exc: TransportError) -> bool:
    # a refused or unresolvable connection is a NewConnectionError, which urllib3 derives from
    # its connect timeout for history's sake: it is not a timeout
    return isinstance(exc, TransportTimeout) and not isinstance(exc, NewConnectionError)


@dataclass(frozen=True)
class _Retry:
    """An attempt that failed in a way worth another try."""

    failure: AtlasApiError
    reason: str
    delay: float
    started_at: float = 0.0


def _violation(response: ApiResponse, field: str, problem: str) -> ContractViolation:
    return ContractViolation(
        f"{field} {problem}",
        endpoint=response.endpoint,
        param=field,
        request_id=response.request_id,
    )


def _decode(
    endpoint: str, response: urllib3.BaseHTTPResponse, typed: PageReader | None = None
) -> ApiResponse:
    header_request_id = response.headers.get("x-request-id")
    page = None if typed is None else typed(response.data)
    data = None
    if page is not None:
        body, data = page
    else:
        try:
            body = orjson.loads(response.data)
        except orjson.JSONDecodeError:
            content_type = response.headers.get("content-type", "unknown content type")
            hint = (
                ": base_url may point at a web page or a proxy instead of the API"
                if "html" in content_type
                else ""
            )
            raise ContractViolation(
                f"response body is not JSON ({content_type}){hint}",
                endpoint=endpoint,
                status=response.status,
                request_id=header_request_id,
            ) from None
        if not isinstance(body, dict):
            raise ContractViolation(
                "response body is not a JSON object",
                endpoint=endpoint,
                status=response.status,
                request_id=header_request_id,
            )
    request_id = body.get("request_id")
    return ApiResponse(
        endpoint=endpoint,
        body=body,
        request_id=request_id if isinstance(request_id, str) else header_request_id,
        server_time=_server_time(response),
        data=data,
    )


def _is_json(response: urllib3.BaseHTTPResponse) -> bool:
    return "json" in response.headers.get("content-type", "")


def _server_time(response: urllib3.BaseHTTPResponse) -> datetime | None:
    header = response.headers.get("date")
    if not header:
        return None
    try:
        parsed = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: between half and all of min(cap, base * 2^(attempt-1))."""
    ceiling = min(settings.BACKOFF_CAP_SECONDS, settings.BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def _retry_after_seconds(response: urllib3.BaseHTTPResponse) -> float | None:
    """`Retry-After` as seconds, in either form the HTTP spec allows.

    An HTTP date is measured against the response's own `Date`, not the local clock, so a skewed
    local clock cannot stretch or cut the wait.
    """
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        until = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    now = _server_time(response) or datetime.now(UTC)
    return max(0.0, (until - now).total_seconds())


def _api_error(
    endpoint: str, params: QueryParams, response: urllib3.BaseHTTPResponse
) -> AtlasApiError:
    """The API's error envelope as an AtlasApiError whose message says what to do about it."""
    error: dict[str, Any] = {}
    request_id = response.headers.get("x-request-id")
    try:
        body = orjson.loads(response.data)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("error"), dict):
            error = body["error"]
        if isinstance(body.get("request_id"), str):
            request_id = body["request_id"]
    status = response.status
    api_message = error.get("message") or response.reason or f"HTTP {status}"
    if not isinstance(body, dict) and "html" in response.headers.get("content-type", ""):
        message = (
            f"a proxy or gateway answered HTTP {status} with an HTML page instead of the API's"
            " JSON; check base_url (the API's, ending in /public/v1) and any proxy in between,"
            " or run again later"
        )
    elif status == 401:
        message = (
            f"the API rejected the API key ({api_message}); set a valid key in"
            " SOURCES__ATLAS_BILLING__API_KEY or api_key under [sources.atlas_billing] in"
            " .dlt/secrets.toml"
        )
    elif status == 403 and endpoint.endswith("/balance"):
        message = (
            f"the API key may not read the account balance ({api_message}); /balance needs a key"
            " with the account balance read permission (or set load_balance = false)"
        )
    elif status == 403 and ("scope", "account") in params:
        message = (
            f"the API key may not read account-wide billing ({api_message}); scope=account needs"
            " a key with the account-level model billing read permission, or try scope=self to"
            " load only this key's own usage and costs"
        )
    elif status == 403:
        message = f"the API key lacks a permission ({api_message})"
    elif status == 404:
        message = (
            f"the API has no such endpoint ({api_message}); check base_url, which should end"
            " in /public/v1"
        )
    elif status == 429:
        message = f"rate limited ({api_message}); run again later, or lower max_in_flight"
    elif status >= 500:
        message = f"the API failed ({api_message}); run again later"
    else:
        message = f"the API rejected the request ({api_message})"
    return AtlasApiError(
        message,
        status=status,
        type=_text(error.get("type")),
        code=_text(error.get("code")),
        param=_text(error.get("param")),
        request_id=request_id,
        endpoint=endpoint,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
