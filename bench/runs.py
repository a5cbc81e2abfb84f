"""Measured runs: each one in a fresh process, so its peak memory is its own.

A run's wall and CPU time are taken around the work only, after the interpreter has started and
the libraries are imported; its peak RSS is the process's own high-water mark (which includes
those imports, the same for every run). The processes are forked from a server that imported
the libraries once, so starting one costs milliseconds, not seconds.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psutil

from bench.floor import download
from bench.peer import load_with_rest_api
from pipelines.load import load
from pipelines.transform import build
from sources.atlas_billing.errors import AtlasBillingError

API_KEY_ENV = "SOURCES__ATLAS_BILLING__API_KEY"


@dataclass
class Measured:
    """What one run took, and what it reported."""

    wall_seconds: float
    cpu_seconds: float
    """User + system CPU of the run's process (all its threads)."""
    peak_rss_mb: float
    rss_before_mb: float
    """RSS once the libraries were imported, before the work started."""
    result: dict[str, Any] = field(default_factory=dict)


_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload([__name__])


def measure(run: Callable[..., dict[str, Any]], **kwargs: Any) -> Measured:
    """Call `run(**kwargs)` in a fresh process and measure it."""
    with ProcessPoolExecutor(max_workers=1, mp_context=_CONTEXT) as pool:
        return pool.submit(_measured, run, kwargs).result()


def _measured(run: Callable[..., dict[str, Any]], kwargs: dict[str, Any]) -> Measured:
    rss_before = psutil.Process().memory_info().rss / 2**20
    started, cpu_started = time.perf_counter(), time.process_time()
    result = run(**kwargs)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return Measured(wall, cpu, peak, rss_before, result)


def run_floor(
    *, base_url: str, api_key: str, start: date, end: date, max_in_flight: int
) -> dict[str, Any]:
    """Download and parse every page of [start, end); nothing is loaded."""
    counts = download(base_url, api_key, start, end, max_in_flight=max_in_flight)
    return {"rows": counts.rows, "requests": counts.requests, "bytes": counts.bytes}


def run_ours(
    *,
    base_url: str,
    api_key: str,
    start_date: date,
    duckdb_path: Path,
    pipelines_dir: Path,
    max_in_flight: int | None = None,
) -> dict[str, Any]:
    """Our pipeline (`pipelines.load.load`): extract, normalize and load into DuckDB."""
    os.environ[API_KEY_ENV] = api_key
    summary = load(
        duckdb_path=duckdb_path,
        pipelines_dir=pipelines_dir,
        start_date=start_date.isoformat(),
        base_url=base_url,
        source_options=None if max_in_flight is None else {"max_in_flight": max_in_flight},
    )
    return {
        "rows": dict(summary.rows),
        "days": dict(summary.days),
        "loads": summary.loads,
        "requests": summary.requests,
        "retries": summary.retries,
        "retries_by_reason": dict(summary.retries_by_reason),
    }


def run_peer(
    *,
    base_url: str,
    api_key: str,
    start: date,
    end: date,
    duckdb_path: Path,
    pipelines_dir: Path,
) -> dict[str, Any]:
    """dlt's rest_api source, one run per window (see `bench.peer`)."""
    runs = load_with_rest_api(base_url, api_key, start, end, duckdb_path, pipelines_dir)
    return {"runs": runs}


def run_dbt(*, duckdb_path: Path, target_path: Path) -> dict[str, Any]:
    """`dbt build` over a loaded DuckDB file (`pipelines.transform.build`)."""
    try:
        summary = build(duckdb_path, target_path=target_path)
    except AtlasBillingError as exc:
        return {"ok": False, "error": str(exc)[:500]}
    return {
        "ok": True,
        "models": summary.models,
        "tests": summary.tests,
        "seeds": summary.seeds,
        "summary": str(summary),
    }
