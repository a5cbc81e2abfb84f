"""Load: an account of 1,000 API keys x 200 models, read through a rate limit that rejects about a
third of all requests (both Retry-After forms), loads exactly what the API has, asks for no page
twice, sends at most twice the requests a run without rejections needs, and keeps its memory
flat: the last day loaded costs no more memory than the first.

The run is `atlas-billing run` in a process of its own (so its memory is its own), one day per
dlt load; the simulator is served from the test process.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psutil
import pytest
from pipeline_support import ledger_costs, loaded_costs
from reliability_support import Tally, Workspace

from simulator import AccountConfig, FaultConfig, Simulator

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
Serve = Callable[..., tuple[Simulator, str]]


def a_third_rejected(seed: int, *, bucket_per_s: float | None = None) -> FaultConfig:
    """429 on a third of requests, half with Retry-After in seconds, half as an HTTP date;
    optionally also a token bucket per key (its 429s come on top)."""
    return FaultConfig(
        seed=seed,
        rates={"429": 1 / 6, "429_date": 1 / 6},
        retry_after_s=1,
        rate_limit_per_s=bucket_per_s,
        rate_limit_burst=5,
    )


@dataclass
class Measured:
    """What a run did: its exit, its output, and its memory after each committed load."""

    code: int
    out: str
    err: str
    peak_mb_at_commit: list[float]


def run_measured(ws: Workspace, args: list[str], key: str) -> Measured:
    """Run the command in its own process, sampling its memory (RSS) until it ends."""
    process = ws.start(*args, key=key)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    watched = psutil.Process(process.pid)
    peak, at_commit, seen = 0.0, [], 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss / 1e6)
        except psutil.NoSuchProcess:
            break
        commits = [line for line in list(lines) if " committed: days " in line]
        at_commit += [peak] * (len(commits) - seen)
        seen = len(commits)
        time.sleep(0.02)
    reader.join(timeout=30)
    outcome = ws.finish(process, read_so_far="".join(lines))
    return Measured(outcome.code, outcome.out, outcome.err, at_commit)


@pytest.mark.parametrize(
    ("days", "models_per_key", "bucket_per_s"),
    [(2, 4.0, None), pytest.param(7, 12.0, 8.0, marks=pytest.mark.slow)],
    ids=["2_days", "7_days_denser_with_a_token_bucket"],
)
def test_a_large_account_loads_exactly_through_a_rate_limit_without_a_request_storm(
    serve: Serve,
    workspace: Workspace,
    tally: Tally,
    days: int,
    models_per_key: float,
    bucket_per_s: float | None,
) -> None:
    config = AccountConfig(
        seed=11,
        n_keys=1000,
        n_models=200,
        models_per_key=models_per_key,
        first_day=NOW.date() - timedelta(days=400),
    )
    sim, base_url = serve(config, now=NOW, faults=a_third_rejected(1, bucket_per_s=bucket_per_s))
    start = NOW.date() - timedelta(days=days - 1)
    args = workspace.run_args(
        base_url, "--start-date", str(start), "--days-per-load", "1", "--no-dbt"
    )

    run = run_measured(workspace, args, sim.keys.admin)

    assert run.code == 0, run.err[-3000:]
    statuses = Counter(r.status for r in sim.requests)
    rejected = statuses[429]
    tally.add_tried("faults", rejected, label="429 under load")
    answered = [(r.path, tuple(r.query)) for r in sim.requests if r.status == 200]
    assert len(answered) == len(set(answered)), "a page was asked for twice"
    assert 0.2 < rejected / len(sim.requests) < 0.5, statuses
    # no storm: every rejected request was asked again once, nothing more
    assert len(sim.requests) <= 2 * len(answered), statuses
    loaded = loaded_costs(workspace.db)
    assert len(loaded) > 3000 * days // 2
    assert loaded == ledger_costs(sim, start, NOW.date() + timedelta(days=1))
    # flat: a later day's load costs no more memory than the first day's did (DuckDB's load
    # step grows with the size of one load, which is why a backfill loads in chunks of days)
    assert len(run.peak_mb_at_commit) == days
    assert run.peak_mb_at_commit[-1] <= run.peak_mb_at_commit[0] * 1.3, run.peak_mb_at_commit
    tally.add_right("faults", rejected)
