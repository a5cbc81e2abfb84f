"""The HTTP client: pagination as the contract asks, retries bounded in attempts and time, and
errors that say what happened, with the API's request_id."""

from __future__ import annotations

import gzip
import ipaddress
import ssl
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import msgspec
import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fake_api import SERVER_NOW, Reply, Request, bucket, page, serve

from sources.atlas_billing import mapping
from sources.atlas_billing.client import AtlasBillingClient
from sources.atlas_billing.errors import AtlasApiError, ConfigurationError, ContractViolation

DAY = date(2026, 5, 1)
KEY = "apikey-test-secret"


def client(base_url: str, **options: object) -> AtlasBillingClient:
    return AtlasBillingClient(base_url, KEY, **options)  # type: ignore[arg-type]


def test_pages_pass_the_cursor_back_unchanged_with_the_same_parameters() -> None:
    cursor = "a+b/c=d e&f"  # everything a careless client would mangle

    def route(request: Request) -> Reply:
        if dict(request.query).get("page") is None:
            return Reply(body=page([bucket(DAY, [])], has_more=True, next_page=cursor))
        return Reply(body=page([bucket(DAY + timedelta(1), [])], request_id="req_2"))

    params = [
        ("start_date", "2026-05-01"),
        ("end_date", "2026-05-03"),
        ("group_by[]", "model"),
        ("group_by[]", "api_key"),
    ]
    with serve(route) as api:
        pages = list(client(api.base_url).pages("/model-costs", params))

    assert [p.request_id for p in pages] == ["req_fake", "req_2"]
    first, second = api.requests
    assert second.query == [*first.query, ("page", cursor)]
    assert "group_by%5B%5D=model&group_by%5B%5D=api_key" in first.raw_query
    assert first.authorization == f"Bearer {KEY}"


def test_pages_are_asked_for_compressed_and_decoded() -> None:
    """Over the internet a page shrinks several times when compressed: the client asks for gzip
    and reads a gzip body, decoded as Python objects and typed alike."""
    result = {
        "object": "model_cost.result",
        "model_type": "text",
        "model": "m1",
        "api_key_id": "key_1",
        "amount": {"value": "1.250000", "currency": "usd"},
    }
    body = page([bucket(DAY, [result])])

    def route(request: Request) -> Reply:
        if "gzip" not in (request.accept_encoding or ""):
            return Reply(body=body)
        return Reply(body=gzip.compress(orjson.dumps(body)), headers={"content-encoding": "gzip"})

    with serve(route) as api:
        plain = client(api.base_url).get("/model-costs", [])
        typed = client(api.base_url).get("/model-costs", [], typed=mapping.read_typed("costs"))

    assert all("gzip" in (r.accept_encoding or "") for r in api.requests)
    assert plain.body == body
    assert typed.data is not None and msgspec.to_builtins(typed.data) == body["data"]
    assert typed.body == {
        k: v for k, v in body.items() if k in ("scope", "has_more", "next_page", "request_id")
    }


def test_has_more_without_a_cursor_is_a_contract_violation() -> None:
    broken = Reply(body=page([bucket(DAY, [])], has_more=True))
    with serve(lambda _: broken) as api, pytest.raises(ContractViolation) as raised:
        list(client(api.base_url).pages("/model-usage", []))

    assert raised.value.endpoint == "/model-usage"
    assert raised.value.param == "next_page" and raised.value.request_id == "req_fake"
    assert "has_more is true" in str(raised.value)


def test_a_cursor_seen_twice_is_a_contract_violation() -> None:
    reply = Reply(body=page([bucket(DAY, [])], has_more=True, next_page="same"))
    with (
        serve(lambda _: reply) as api,
        pytest.raises(ContractViolation, match="repeats a cursor") as raised,
    ):
        list(client(api.base_url).pages("/model-costs", []))

    assert len(api.requests) == 2
    assert raised.value.param == "next_page"


def test_an_html_page_instead_of_json_stops_after_a_few_tries() -> None:
    html = Reply(
        body=b"<html><body>Maintenance</body></html>",
        headers={"content-type": "text/html", "x-request-id": "req_html"},
    )
    with serve(lambda _: html) as api, pytest.raises(ContractViolation) as raised:
        client(api.base_url).get("/balance")

    assert "not JSON (text/html)" in str(raised.value)
    assert raised.value.endpoint == "/balance" and raised.value.request_id == "req_html"
    assert len(api.requests) == 3


def test_retry_after_as_an_http_date_is_measured_on_the_servers_clock() -> None:
    # the server's clock is months away from this machine's; the wait is one second, not months
    replies = iter(
        [
            Reply(
                429,
                {"error": {"type": "rate_limit_error", "code": "rate_limited"}},
                {"retry-after": format_datetime(SERVER_NOW + timedelta(seconds=1), usegmt=True)},
            ),
            Reply(body={"object": "balance", "request_id": "req_ok"}),
        ]
    )
    with serve(lambda _: next(replies)) as api:
        http = client(api.base_url, max_retry_seconds=30)
        started = time.monotonic()
        response = http.get("/balance")

    assert response.request_id == "req_ok"
    assert 1.0 <= time.monotonic() - started < 30
    assert http.stats.retries_by_reason == {"rate_limited": 1}


def test_a_retry_after_beyond_the_retry_budget_gives_up_at_once() -> None:
    reply = Reply(
        429,
        {
            "error": {"type": "rate_limit_error", "code": "rate_limited", "message": "Slow down."},
            "request_id": "req_429",
        },
        {"retry-after": "3600"},
    )
    with serve(lambda _: reply) as api, pytest.raises(AtlasApiError) as raised:
        client(api.base_url, max_retry_seconds=60).get("/balance")

    assert len(api.requests) == 1
    message = str(raised.value)
    assert "gave up after 1 attempt(s)" in message and "rate limited (Slow down.)" in message
    assert "status=429" in message and "request_id=req_429" in message


def test_server_errors_are_retried_until_the_attempts_run_out() -> None:
    reply = Reply(
        500,
        {
            "error": {"type": "api_error", "code": "internal_error", "message": "Internal error."},
            "request_id": "req_500",
        },
    )
    with serve(lambda _: reply) as api:
        http = client(api.base_url, max_attempts=3)
        with pytest.raises(AtlasApiError) as raised:
            http.get("/balance")

    assert len(api.requests) == 3
    assert http.stats.requests == 3 and http.stats.retries == 2
    assert raised.value.status == 500 and raised.value.type == "api_error"
    assert raised.value.code == "internal_error" and raised.value.request_id == "req_500"


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(status: int) -> None:
    reply = Reply(
        status,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "nope",
                "message": "No.",
                "param": "limit",
            },
            "request_id": "req_4xx",
        },
    )
    with serve(lambda _: reply) as api, pytest.raises(AtlasApiError) as raised:
        client(api.base_url).get("/model-costs", [("scope", "account")])

    assert len(api.requests) == 1
    assert raised.value.status == status and raised.value.param == "limit"
    assert KEY not in str(raised.value)


def test_a_base_url_that_is_not_http_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="base_url must be an http"):
        client("ftp://example.invalid/public/v1")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "atlas-billing test CA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def test_https_verifies_the_certificate_against_ssl_cert_file(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over HTTPS the API's certificate is verified: one no known CA signed is refused at once,
    with what to do about it; SSL_CERT_FILE (a company's own CA) is honoured."""
    reply = Reply(body=page([bucket(DAY, [])]))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with serve(lambda _: reply, tls=server_tls(certificate)) as api:
        with pytest.raises(AtlasApiError) as raised:
            client(api.base_url, max_attempts=3).get("/model-costs", [])
        assert len(api.requests) == 0
        assert "certificate" in str(raised.value) and "SSL_CERT_FILE" in str(raised.value)

        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        response = client(api.base_url).get("/model-costs", [])

    assert response.request_id == "req_fake"
    assert api.requests[0].authorization == f"Bearer {KEY}"


def test_an_unreadable_ssl_cert_file_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigurationError, match="SSL_CERT_FILE"):
        client("https://api.example.com/public/v1")
