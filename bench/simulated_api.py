"""The simulated API in a process of its own, driven over a pipe.

The simulator spends CPU building every page; in its own process that CPU is not charged to the
client being measured (on a 2-core machine the two still share the cores, and the figures say
so). Between runs the benchmark asks it to advance its clock, change its latency, hand over its
request log, and compute what the API holds (row counts and sums) from its ledger.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import resource
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import urllib3

PAGE_SIZE = 1000
WINDOW_DAYS = 180
USAGE_COUNTS = ("requests", "input_tokens", "output_tokens", "images", "videos", "audio_seconds")


@dataclass(frozen=True)
class AccountSpec:
    """The simulated account: its size, its age and the (frozen) clock it starts at."""

    n_keys: int
    n_models: int
    first_day: date
    now: datetime
    seed: int = 7


@dataclass(frozen=True)
class Window:
    """One request window of at most 180 days: `start` inclusive, `end` exclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def windows(start: date, end: date, window_days: int = WINDOW_DAYS) -> list[Window]:
    """The fewest windows of at most `window_days` covering [start, end)."""
    cuts = []
    while start < end:
        stop = min(start + timedelta(days=window_days), end)
        cuts.append(Window(start, stop))
        start = stop
    return cuts


@dataclass(frozen=True)
class WindowTruth:
    """What the API holds for one window, at the finest grain and for the models queries."""

    window: Window
    cost_rows: int
    usage_rows: int
    type_rows: int
    """Rows of /model-costs grouped by model_type (the first models query)."""
    model_rows_by_type: dict[str, int]
    """Rows of /model-costs grouped by model, filtered to each type (the other models queries)."""


@dataclass(frozen=True)
class Truth:
    """What the API holds over some days: per-window row counts, and the sums to compare."""

    windows: list[WindowTruth]
    cost_rows: int
    usage_rows: int
    amount_usd: Decimal
    usage_sums: dict[str, int]
    daily_totals_usd: Decimal
    """Σ of the ungrouped daily totals: must equal `amount_usd`."""

    def minimum_requests(self, *, small_queries: bool = True) -> dict[str, int]:
        """The fewest requests that read these days, by kind (README.md, section Performance).

        Per window, ⌈rows/1000⌉ (at least one) of each query; with `small_queries`, also the
        daily totals, the models queries, /balance, and one ungrouped /model-costs of the
        recent days the balance snapshot records (today and the lookback before it).
        """

        def pages(rows: int) -> int:
            return max(1, math.ceil(rows / PAGE_SIZE))

        minimum = {
            "model_costs": sum(pages(w.cost_rows) for w in self.windows),
            "model_usage": sum(pages(w.usage_rows) for w in self.windows),
        }
        if small_queries:
            minimum["ungrouped_costs"] = sum(pages(w.window.days) for w in self.windows) + 1
            minimum["models"] = sum(
                pages(w.type_rows) + sum(pages(n) for n in w.model_rows_by_type.values())
                for w in self.windows
            )
            minimum["balance"] = 1
        return minimum


@dataclass(frozen=True)
class RequestLog:
    """The requests the simulator answered since the last look, by kind and outcome."""

    by_kind: dict[str, int]
    failed: int
    """Answers that were not a 200 (each one retried by a client that got to the end)."""

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def request_kind(path: str, query: Sequence[tuple[str, str]]) -> str:
    """Which part of a load a request belongs to, from its path and query."""
    group_by = sorted(value for name, value in query if name == "group_by[]")
    limit = next((value for name, value in query if name == "limit"), None)
    if path.endswith("/balance"):
        return "balance"
    if path.endswith("/model-usage"):
        return "model_usage"
    if group_by == ["api_key", "model"]:
        return "model_costs"
    if group_by in (["model"], ["model_type"]):
        return "models"
    if group_by:
        return "other"
    if limit == "1":
        return "probe"  # a one-row request that learns the server's today from its Date
    # the daily totals, and the recent days' costs a balance snapshot records
    return "ungrouped_costs"


class SimulatorProcess:
    """`with SimulatorProcess(spec) as sim:` serves the account on 127.0.0.1 from a child
    process; `sim.base_url` and `sim.api_key` reach it."""

    def __init__(self, spec: AccountSpec) -> None:
        self.spec = spec
        self.base_url = ""
        self.api_key = ""
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(spec, child), name="atlas-sim", daemon=True
        )

    def __enter__(self) -> SimulatorProcess:
        self._process.start()
        self.base_url, self.api_key = self._call("hello")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with contextlib.suppress(OSError, EOFError, RuntimeError):
            self._call("stop")
        self._process.join(timeout=15)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)

    def _call(self, command: str, *args: Any) -> Any:
        self._conn.send((command, args))
        ok, value = self._conn.recv()
        if not ok:
            raise RuntimeError(f"simulator process failed on {command!r}:\n{value}")
        return value

    @property
    def pid(self) -> int:
        """The simulator's process id (whose CPU the benchmark samples beside a run's)."""
        assert self._process.pid is not None
        return self._process.pid

    def now(self) -> datetime:
        """The simulated clock."""
        return self._call("now")

    def advance(self, delta: timedelta) -> datetime:
        """Move the simulated clock forward; returns the new time."""
        return self._call("advance", delta)

    def set_latency(self, latency_ms: float) -> None:
        """Answer every request after `latency_ms` (no other faults)."""
        self._call("latency", latency_ms)

    def warm_up(self) -> None:
        """Answer one /balance, left out of the request log: the simulator builds what the
        balance needs on its first one (~0.3 s for the full account here, even after `truth`),
        which would otherwise land in the first measured run, the floor's."""
        response = urllib3.request(
            "GET",
            f"{self.base_url}/balance",
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=60.0,
            retries=False,
        )
        if response.status != 200:
            raise RuntimeError(f"the simulator's /balance answered HTTP {response.status}")
        self.take_requests()

    def take_requests(self) -> RequestLog:
        """The requests answered since the last call (the log is emptied)."""
        return self._call("requests")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the simulator process has used so far."""
        return self._call("cpu")

    def waited_for_a_core_seconds(self) -> float | None:
        """Time the simulator's threads have spent ready to run but waiting for a core, so far
        (`waited_for_a_core_seconds`); None where the system does not report it."""
        return self._call("waited")

    def peak_rss_mb(self) -> float:
        return self._call("rss")

    def truth(self, start: date, end: date) -> Truth:
        """What the API holds for [start, end) as of the clock (computed from the ledger)."""
        return self._call("truth", start, end)


def _serve(spec: AccountSpec, conn: Connection) -> None:
    """The child process: build the account, serve it, answer commands until `stop`."""
    from simulator import AccountConfig, FaultConfig, Simulator

    sim = Simulator(
        AccountConfig(
            seed=spec.seed, n_keys=spec.n_keys, n_models=spec.n_models, first_day=spec.first_day
        ),
        now=spec.now,
        ticking=False,
    )
    with sim.serve() as server:
        while True:
            command, args = conn.recv()
            try:
                if command == "stop":
                    conn.send((True, None))
                    return
                if command == "hello":
                    value: Any = (server.base_url, sim.keys.admin)
                elif command == "now":
                    value = sim.clock.now()
                elif command == "advance":
                    value = sim.clock.advance(args[0])
                elif command == "latency":
                    sim.faults = FaultConfig(latency_ms=args[0])
                elif command == "requests":
                    taken = list(sim.requests)
                    del sim.requests[: len(taken)]
                    kinds = Counter(request_kind(r.path, r.query) for r in taken)
                    value = RequestLog(dict(kinds), sum(1 for r in taken if r.status != 200))
                elif command == "cpu":
                    usage = resource.getrusage(resource.RUSAGE_SELF)
                    value = usage.ru_utime + usage.ru_stime
                elif command == "waited":
                    value = waited_for_a_core_seconds()
                elif command == "rss":
                    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                elif command == "truth":
                    value = _truth(sim, *args)
                else:
                    raise ValueError(f"unknown command {command!r}")
                conn.send((True, value))
            except Exception:
                conn.send((False, traceback.format_exc()))


def waited_for_a_core_seconds(pid: int | str = "self") -> float | None:
    """Seconds the threads of process `pid` spent runnable but waiting for a core, so far.

    Linux reports it per thread (the second field of /proc/<pid>/task/<tid>/schedstat, in
    nanoseconds); threads that ended are not counted, which for the simulator (one serving
    thread for its whole life) loses nothing. None where the system does not report it.
    On 2 cores shared with the client, this is how long the client's CPU kept the simulator
    from serving.
    """
    total = 0
    found = False
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as stats:
                fields = stats.read().split()
        except OSError:
            continue  # the thread ended meanwhile, or the kernel keeps no statistics
        if len(fields) >= 2 and fields[1].isdigit():
            total += int(fields[1])
            found = True
    return total / 1e9 if found else None


def _truth(sim: Any, start: date, end: date) -> Truth:
    ledger = sim.ledger
    found = []
    amount = Decimal(0)
    usage_sums = dict.fromkeys(USAGE_COUNTS, 0)
    for window in windows(start, end):
        costs = ledger.model_costs(window.start, window.end, group_by=("model", "api_key"))
        usage = ledger.model_usage(window.start, window.end, group_by=("model", "api_key"))
        amount += sum((row["amount_usd"] for row in costs), Decimal(0))
        for row in usage:
            for name in USAGE_COUNTS:
                usage_sums[name] += row.get(name, 0)
        types = ledger.model_costs(window.start, window.end, group_by=("model_type",))
        present = sorted({row["model_type"] for row in types})
        found.append(
            WindowTruth(
                window=window,
                cost_rows=len(costs),
                usage_rows=len(usage),
                type_rows=len(types),
                model_rows_by_type={
                    t: len(
                        ledger.model_costs(
                            window.start, window.end, group_by=("model",), model_types=[t]
                        )
                    )
                    for t in present
                },
            )
        )
    return Truth(
        windows=found,
        cost_rows=sum(w.cost_rows for w in found),
        usage_rows=sum(w.usage_rows for w in found),
        amount_usd=amount,
        usage_sums=usage_sums,
        daily_totals_usd=sum(ledger.daily_cost_totals(start, end).values(), Decimal(0)),
    )
