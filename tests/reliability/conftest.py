"""Fixtures of the reliability suite, and the line it ends with: how many faults, kills and bad
inputs were tried and how many ended exactly right."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest
from reliability_support import Tally, Workspace

from simulator import AccountConfig, FaultConfig, Simulator

_TALLY = pytest.StashKey[Tally]()


def _tally(config: pytest.Config) -> Tally:
    if _TALLY not in config.stash:
        config.stash[_TALLY] = Tally()
    return config.stash[_TALLY]


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Tally:
    """The suite's count of what it tried and what ended exactly right."""
    return _tally(request.config)


@pytest.fixture
def workspace(
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tally: Tally,
) -> Iterator[Workspace]:
    """A working directory for runs of `atlas-billing`; afterwards, no key it used may be found
    in its output, its files, its DuckDB files or dbt's folders."""
    ws = Workspace(tmp_path, capfd, monkeypatch)
    yield ws
    try:
        if ws.keys:
            with tally.attempt("key scans", len(ws.keys)):
                assert ws.key_leaks() == {}
    finally:
        ws.clean_up()


@pytest.fixture
def serve() -> Iterator[Callable[..., tuple[Simulator, str]]]:
    """serve(config, now=..., faults=None) -> (simulator, base URL), served on 127.0.0.1."""
    with ExitStack() as stack:

        def start(
            config: AccountConfig, *, now: datetime, faults: FaultConfig | None = None
        ) -> tuple[Simulator, str]:
            sim = Simulator(config, now=now, faults=faults)
            server = stack.enter_context(sim.serve())
            return sim, server.base_url

        yield start


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    tally = terminalreporter.config.stash.get(_TALLY, None)
    if tally is None or not tally.tried:
        return
    terminalreporter.write_sep("=", "reliability")
    terminalreporter.write_line(tally.summary())
    cache = getattr(terminalreporter.config, "cache", None)  # None under -p no:cacheprovider
    if cache is not None:
        cache.set("atlas_billing/reliability", {"tried": tally.tried, "right": tally.right})
