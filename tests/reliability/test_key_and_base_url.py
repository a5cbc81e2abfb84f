"""The API key goes to the configured base URL and nowhere else: only over HTTPS (or to this very
machine), never after a redirect, never in a URL, and after any run — one that works with dlt
logging everything, one that fails — it is nowhere in output, logs, dlt's working folder, the
DuckDB file or dbt's folders. (Every workspace of this suite is searched for its keys when its
test ends: see conftest.py.)"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from reliability_support import Tally, Workspace

from simulator import AccountConfig, FaultConfig, Simulator
from sources.atlas_billing import atlas_billing_source
from sources.atlas_billing.client import check_base_url
from sources.atlas_billing.errors import ConfigurationError

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
CONFIG = AccountConfig(seed=3, n_keys=3, n_models=5, first_day=NOW.date() - timedelta(days=30))
Serve = Callable[..., tuple[Simulator, str]]


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.atlascloud.ai/public/v1",
        "http://127.0.0.1:8765/public/v1",
        "http://127.42.0.9:8765/public/v1",
        "http://localhost:8765/public/v1",
        "http://[::1]:8765/public/v1",
    ],
)
def test_https_and_plain_http_to_this_machine_are_accepted(base_url: str) -> None:
    assert check_base_url(base_url + "/") == base_url


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.atlascloud.ai/public/v1",
        "http://10.0.0.7/public/v1",
        "http://127.0.0.1.nip.io/public/v1",  # a name is not resolved: it could change
        "http://localhost.example.com/public/v1",
        "http://[::ffff:10.0.0.7]/public/v1",
    ],
)
def test_plain_http_elsewhere_is_refused_unless_allowed(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="is not HTTPS, so the API key would cross"):
        check_base_url(base_url)
    assert check_base_url(base_url, allow_insecure=True) == base_url


def test_the_source_takes_allow_insecure_base_url_from_its_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCES__ATLAS_BILLING__API_KEY", "apikey-" + "1" * 40)
    insecure = "http://billing-proxy.internal/public/v1"
    with pytest.raises(ConfigurationError, match="allow_insecure_base_url"):
        atlas_billing_source(base_url=insecure, start_date="2026-05-01")

    monkeypatch.setenv("SOURCES__ATLAS_BILLING__ALLOW_INSECURE_BASE_URL", "true")
    source = atlas_billing_source(base_url=insecure, start_date="2026-05-01")  # no request yet

    assert "model_costs" in source.resources


@contextmanager
def http_server(status: int, headers: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 answering every GET with `status` and `headers`; its URL and hits."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/public/v1", hits
    finally:
        server.shutdown()
        server.server_close()


def test_a_redirect_is_not_followed_and_nothing_goes_where_it_points(
    workspace: Workspace, tally: Tally
) -> None:
    key = "apikey-" + "7" * 40
    with (
        http_server(404, {}) as (elsewhere, elsewhere_hits),
        http_server(307, {"Location": f"{elsewhere}/model-costs"}) as (base_url, hits),
        tally.attempt("bad inputs", label="api answer"),
    ):
        outcome = workspace.cli(
            *workspace.run_args(base_url, "--start-date", "2026-05-01"), key=key
        )

        line = outcome.one_error_line()
        assert f"the API answered with a redirect to '{elsewhere}/model-costs'" in line
        assert f"requests go only to base_url {base_url}" in line
        assert len(hits) == 1 and elsewhere_hits == []


def test_a_run_that_works_and_one_that_fails_leave_the_key_nowhere(
    serve: Serve, workspace: Workspace
) -> None:
    sim, base_url = serve(CONFIG, now=NOW)
    # dbt's folder is searched after every test that builds (crash, idempotency, chaos)
    args = workspace.run_args(base_url, "--start-date", str(CONFIG.first_day), "--no-dbt")
    chatty = {"RUNTIME__LOG_LEVEL": "DEBUG"}  # dlt's most talkative logging

    worked = workspace.finish(workspace.start(*args, key=sim.keys.admin, env=chatty))
    sim.clock.advance(timedelta(hours=2))
    sim.faults = FaultConfig(rates={"503": 1.0})
    failed = workspace.finish(
        workspace.start(
            *args, key=sim.keys.admin, env={**chatty, "SOURCES__ATLAS_BILLING__MAX_ATTEMPTS": "2"}
        )
    )

    assert worked.code == 0, worked.err[-3000:]
    assert failed.code == 2 and "the API failed (Service unavailable.)" in failed.err
    assert sim.requests, "requests reached the simulator"
    for request in sim.requests:
        assert request.path.startswith("/public/v1/")
        assert sim.keys.admin not in repr(request.query)
    # the workspace fixture now searches output, files, the DuckDB file and dbt's folder
