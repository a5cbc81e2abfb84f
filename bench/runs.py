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
import threading
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
from sources.atlas_billing.helpers import prepare_arrow_conversion

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
    timeline: list[tuple[float, float, float]] = field(default_factory=list)
    """With a watched process: (seconds into the run, cores the run used, cores the watched
    process used) over each sampling interval up to then."""


# what pyarrow imports on its first conversion of a Python value (pandas, where installed: here
# through the BigQuery extra, ~0.2 s) is imported here, in the server: ours converts values and
# the floor does not, and a library imported once is left out of every run's time alike
prepare_arrow_conversion()
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload([__name__])


SAMPLE_SECONDS = 0.25
"""How often a run's CPU and the watched process's are sampled for the timeline."""


def measure(
    run: Callable[..., dict[str, Any]], *, watch_pid: int | None = None, **kwargs: Any
) -> Measured:
    """Call `run(**kwargs)` in a fresh process and measure it; with `watch_pid` (the
    simulator), also how busy the run and that process were over time (`Measured.timeline`)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=_CONTEXT) as pool:
        return pool.submit(_measured, run, kwargs, watch_pid).result()


def _measured(
    run: Callable[..., dict[str, Any]], kwargs: dict[str, Any], watch_pid: int | None = None
) -> Measured:
    rss_before = psutil.Process().memory_info().rss / 2**20
    sampler = _CpuSampler(watch_pid) if watch_pid is not None else None
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        result = run(**kwargs)
    finally:
        timeline = sampler.stop() if sampler is not None else []
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return Measured(wall, cpu, peak, rss_before, result, timeline)


class _CpuSampler:
    """Samples, on a thread of the measured process, the CPU it and another process use."""

    def __init__(self, pid: int) -> None:
        self._own, self._other = psutil.Process(), psutil.Process(pid)
        self._timeline: list[tuple[float, float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self._thread.start()

    def _cpu(self) -> tuple[float, float, float]:
        own, other = self._own.cpu_times(), self._other.cpu_times()
        return time.perf_counter(), own.user + own.system, other.user + other.system

    def _run(self) -> None:
        try:
            first = last = self._cpu()
            while not self._stop.wait(SAMPLE_SECONDS):
                self._add(first[0], last, now := self._cpu())
                last = now
            self._add(first[0], last, self._cpu())
        except psutil.NoSuchProcess:
            # the simulator is gone (the bench was interrupted): the run fails with its own
            # error; a traceback from this thread would only hide it
            return

    def _add(
        self, start: float, last: tuple[float, float, float], now: tuple[float, float, float]
    ) -> None:
        span = now[0] - last[0]
        if span > 0:
            self._timeline.append(
                (now[0] - start, (now[1] - last[1]) / span, (now[2] - last[2]) / span)
            )

    def stop(self) -> list[tuple[float, float, float]]:
        self._stop.set()
        self._thread.join()
        return self._timeline


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
        "step_seconds": {step: round(seconds, 3) for step, seconds in summary.step_seconds.items()},
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
