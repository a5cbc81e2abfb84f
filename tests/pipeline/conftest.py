"""Fixtures for load tests: a simulator served over HTTP on 127.0.0.1, a DuckDB file and a dlt
working directory in tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest
from pipeline_support import NOW, Served, account

from simulator import AccountConfig, FaultConfig, Simulator


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Served]]:
    """serve(config=None, now=NOW, faults=None, tmp_dir=None): a fresh simulator for one test."""
    with ExitStack() as stack:

        def start(
            config: AccountConfig | None = None,
            *,
            now: datetime = NOW,
            faults: FaultConfig | None = None,
            subdir: str | None = None,
        ) -> Served:
            sim = Simulator(config or account(), now=now, faults=faults)
            server = stack.enter_context(sim.serve())
            where = tmp_path / subdir if subdir else tmp_path
            where.mkdir(parents=True, exist_ok=True)
            return Served(sim, server.base_url, where, monkeypatch)

        yield start
