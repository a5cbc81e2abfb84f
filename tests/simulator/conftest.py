"""Fixtures for the simulator's contract tests: small accounts served over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime

import pytest
from sim_support import NOW, Api, small_config

from simulator import AccountConfig, FaultConfig, Simulator


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """The default small account at NOW, served for a whole test module (read-only use)."""
    sim = Simulator(small_config(), now=NOW)
    with sim.serve() as server:
        client = Api(sim, server.base_url)
        yield client
        client.http.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Api]]:
    """Serve a fresh simulator for one test: serve(config=None, now=NOW, faults=None)."""
    with ExitStack() as stack:

        def start(
            config: AccountConfig | None = None,
            now: datetime = NOW,
            faults: FaultConfig | None = None,
        ) -> Api:
            sim = Simulator(config or small_config(), now=now, faults=faults)
            server = stack.enter_context(sim.serve())
            client = Api(sim, server.base_url)
            stack.callback(client.http.close)
            return client

        yield start
