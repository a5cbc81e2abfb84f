"""The benchmark suite: floor, ours and peer side by side in one run, on one machine.

Scenarios, in the order they run against one simulated account (clock frozen at NOW):
1. backfill: the floor, ours and the peer each read the same `backfill_days` (both endpoints at
   the finest grain, model + api_key); the floor and ours `turns` times each, taking turns, and
   ours / floor is the median over the turns of each run of ours against the floor's run just
   before it; the peer must load the same sums as ours and the ledger;
2. the short backfill (`short_days`, ours only): peak memory of a long vs a short backfill;
3. the backfill with `latency_ms` per request: ours, and ours with one request in flight;
4. dbt build over the backfill;
5. the daily incremental run (the clock moves on a day), then dbt build again.
Every run is a fresh process (see `bench.runs`); the simulator has a process of its own.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import psutil

from bench.runs import Measured, measure, run_dbt, run_floor, run_ours, run_peer
from bench.simulated_api import (
    USAGE_COUNTS,
    AccountSpec,
    RequestLog,
    SimulatorProcess,
    Truth,
)
from pipelines.load import DATASET_NAME
from sources.atlas_billing import settings

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
ONE_DAY = timedelta(days=1)
RESULTS_DIR = Path(__file__).resolve().parent / "results"


DBT_BUILDS = ("backfill", "incremental")
"""The loads `dbt build` can be timed after: the backfill, and the daily run that follows it."""


@dataclass(frozen=True)
class Size:
    """How big the simulated account and the backfills are."""

    keys: int
    models: int
    backfill_days: int
    short_days: int
    latency_ms: float = 50.0
    turns: int = 2
    """Backfill runs of the floor and of ours each, taking turns (`turn_names`); ours / floor is
    the median of the turns' ratios (see `ratios`)."""
    dbt_builds: tuple[str, ...] = DBT_BUILDS
    """After which of DBT_BUILDS `dbt build` is timed (unless dbt is off)."""

    def __post_init__(self) -> None:
        unknown = set(self.dbt_builds) - set(DBT_BUILDS)
        if unknown:
            raise ValueError(f"dbt_builds: unknown {sorted(unknown)}; choose from {DBT_BUILDS}")


def turn_names(turns: int) -> list[tuple[str, str]]:
    """The (floor, ours) run names of each backfill turn: `floor` and `ours` first (the run of
    ours the other scenarios compare with), then `floor_2`, `ours_2`, ..."""
    return [("floor", "ours"), *((f"floor_{n}", f"ours_{n}") for n in range(2, turns + 1))]


SIZES = {
    # five turns: on 2 shared cores one turn's ratio moves by +-20% a minute apart (the
    # floor's own turns by up to 44%), and the median of five moves far less
    "full": Size(keys=500, models=40, backfill_days=730, short_days=182, turns=5),
    # its figures are not judged (dbt and dlt's fixed costs dominate): one turn and one dbt
    # build (each build is ~150 nodes, 10-18 s here, whatever the size) keep it within a minute
    "quick": Size(
        keys=8, models=6, backfill_days=365, short_days=91, turns=1, dbt_builds=("backfill",)
    ),
}

TARGETS = {
    "ours_over_floor": ("<=", 1.3),
    "peer_over_ours": (">=", 3.0),
    # "= 1.00" as the issue writes it: two decimals (a few requests in thousands round away)
    "backfill_requests_over_minimum": ("<=", 1.00),
    # the daily run: at most what its lookback needs, exactly
    "incremental_requests_over_minimum": ("<=", 1.0),
    "peak_rss_long_over_short": ("<=", 1.2),
    "latency_speedup": (">=", 4.0),
}


@dataclass
class Run:
    """One measured run, with the requests the simulator saw while it ran."""

    name: str
    measured: Measured
    requests: RequestLog
    simulator_cpu_seconds: float
    rows: int
    """Result rows of model_costs + model_usage handled by the run."""
    simulator_waited_seconds: float | None = None
    """How long the simulator was ready to serve but waited for a core the run held (see
    `bench.simulated_api.waited_for_a_core_seconds`); None where the system does not say."""
    minimum_requests: int | None = None

    def figures(self) -> dict[str, Any]:
        m = self.measured
        return {
            "wall_seconds": round(m.wall_seconds, 3),
            "rows": self.rows,
            "rows_per_second": round(self.rows / m.wall_seconds) if m.wall_seconds else None,
            "peak_rss_mb": round(m.peak_rss_mb, 1),
            "rss_before_mb": round(m.rss_before_mb, 1),
            "cpu_seconds": round(m.cpu_seconds, 2),
            "simulator_cpu_seconds": round(self.simulator_cpu_seconds, 2),
            "simulator_waited_for_a_core_seconds": (
                None
                if self.simulator_waited_seconds is None
                else round(self.simulator_waited_seconds, 2)
            ),
            "requests": self.requests.total,
            "requests_by_kind": self.requests.by_kind,
            "minimum_requests": self.minimum_requests,
            "requests_over_minimum": (
                round(self.requests.total / self.minimum_requests, 4)
                if self.minimum_requests
                else None
            ),
            "requests_over_minimum_count": (
                self.requests.total - self.minimum_requests if self.minimum_requests else None
            ),
            "retries": self.requests.failed,
            "time_split": time_split(m.timeline),
            "timeline": [[round(x, 2) for x in sample] for sample in m.timeline],
            "reported": m.result,
        }


SIMULATOR_BUSY_CORES = 0.8
"""The simulator serves from one thread: at this share of a core or more it is the bottleneck."""
SIMULATOR_IDLE_CORES = 0.1
RUN_WAITING_CORES = 0.5


def time_split(timeline: list[tuple[float, float, float]]) -> dict[str, float]:
    """Where a run's wall time went, from its CPU timeline beside the simulator's
    (`Measured.timeline`): seconds `waiting_on_simulator` (the simulator busy, the run barely
    working: it waits for pages), `simulator_idle` (the run's own work with nothing asked of the
    API: start-up, dlt's normalize and load) and `both_working` (the rest)."""
    split = {"waiting_on_simulator": 0.0, "both_working": 0.0, "simulator_idle": 0.0}
    previous = 0.0
    for at, run_cores, simulator_cores in timeline:
        if simulator_cores < SIMULATOR_IDLE_CORES:
            part = "simulator_idle"
        elif simulator_cores >= SIMULATOR_BUSY_CORES and run_cores < RUN_WAITING_CORES:
            part = "waiting_on_simulator"
        else:
            part = "both_working"
        split[part] += at - previous
        previous = at
    return {part: round(seconds, 2) for part, seconds in split.items()}


def run_suite(
    mode: str,
    *,
    size: Size | None = None,
    workdir: Path | None = None,
    with_dbt: bool = True,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run every scenario and return the figures (also what the JSON file holds)."""
    size = size or SIZES[mode]
    work = Path(workdir or tempfile.mkdtemp(prefix="atlas-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    today = NOW.date()
    start = today - timedelta(days=size.backfill_days - 1)
    short_start = today - timedelta(days=size.short_days - 1)
    end = today + ONE_DAY
    report: dict[str, Any] = {
        "mode": mode,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "size": asdict(size),
        "simulated_now": NOW.isoformat(),
        "backfill_days": f"{start}..{today}",
        "short_backfill_days": f"{short_start}..{today}",
        "max_in_flight": settings.DEFAULT_MAX_IN_FLIGHT,
        "latency_ms": size.latency_ms,
    }
    runs: dict[str, Run] = {}
    started = time.perf_counter()
    spec = AccountSpec(n_keys=size.keys, n_models=size.models, first_day=start, now=NOW)
    with SimulatorProcess(spec) as sim:
        say(f"simulator: {size.keys} keys x {size.models} models, days {start}..{today}")
        truth = sim.truth(start, end)
        short_truth = sim.truth(short_start, end)
        sim.warm_up()
        say(f"the API holds {truth.cost_rows} cost and {truth.usage_rows} usage rows")

        def timed(name: str, run: Callable[..., dict[str, Any]], rows: int, **kw: Any) -> Run:
            sim.take_requests()
            cpu, waited = sim.cpu_seconds(), sim.waited_for_a_core_seconds()
            measured = measure(
                run, watch_pid=sim.pid, base_url=sim.base_url, api_key=sim.api_key, **kw
            )
            done = Run(name, measured, sim.take_requests(), sim.cpu_seconds() - cpu, rows)
            waited_after = sim.waited_for_a_core_seconds()
            if waited is not None and waited_after is not None:
                done.simulator_waited_seconds = waited_after - waited
            runs[name] = done
            say(f"{name}: {measured.wall_seconds:.1f} s, {done.requests.total} requests")
            return done

        big = truth.cost_rows + truth.usage_rows
        minimum = sum(truth.minimum_requests().values())

        def floor_run(name: str) -> None:
            timed(
                name,
                run_floor,
                big,
                start=start,
                end=end,
                max_in_flight=settings.DEFAULT_MAX_IN_FLIGHT,
            ).minimum_requests = minimum

        # floor, ours, floor, ours, ...: each run of ours is held against the floor's run just
        # before it, so that a neighbour's load on the shared cores, which moves from minute to
        # minute, weighs on both sides of a ratio alike
        ours_db = work / "ours.duckdb"
        for floor_name, ours_name in turn_names(size.turns):
            floor_run(floor_name)
            paths = _ours_paths(work, ours_name.replace("_", "-"))
            timed(ours_name, run_ours, big, **paths, start_date=start).minimum_requests = minimum
        peer = timed(
            "peer",
            run_peer,
            big,
            start=start,
            end=end,
            duckdb_path=work / "peer.duckdb",
            pipelines_dir=work / "peer-pipelines",
        )
        peer.minimum_requests = sum(truth.minimum_requests(small_queries=False).values())
        loaded = {
            name: loaded_sums(work / f"{name.replace('_', '-')}.duckdb", DATASET_NAME)
            for _, name in turn_names(size.turns)
        }
        report["sums"] = compare_sums(truth, {**loaded, "peer": loaded_sums(work / "peer.duckdb")})
        say(f"loaded sums: {report['sums']['verdict']}")

        short = timed(
            "ours_short_backfill",
            run_ours,
            short_truth.cost_rows + short_truth.usage_rows,
            **_ours_paths(work, "ours-short"),
            start_date=short_start,
        )
        short.minimum_requests = sum(short_truth.minimum_requests().values())

        sim.set_latency(size.latency_ms)
        for name, in_flight in (
            ("ours_latency", None),
            ("ours_latency_one_in_flight", 1),
        ):
            slow = timed(
                name,
                run_ours,
                big,
                **_ours_paths(work, name),
                start_date=start,
                max_in_flight=in_flight,
            )
            slow.minimum_requests = minimum
        sim.set_latency(0)

        dbt: dict[str, Any] = {}
        if with_dbt and "backfill" in size.dbt_builds:
            dbt["backfill"] = _dbt(ours_db, work / "dbt-target", say)

        # the next day: the daily run reads the lookback days again, and the new days
        next_now = sim.advance(ONE_DAY)
        lookback = settings.DEFAULT_LOOKBACK_DAYS
        needed_start = today - timedelta(days=lookback)
        needed_end = next_now.date() + ONE_DAY
        daily_truth = sim.truth(needed_start, needed_end)
        daily = timed(
            "ours_incremental",
            run_ours,
            daily_truth.cost_rows + daily_truth.usage_rows,
            **_ours_paths(work, "ours"),
            start_date=start,
        )
        daily.minimum_requests = sum(daily_truth.minimum_requests().values())
        report["incremental_days_needed"] = f"{needed_start}..{needed_end - ONE_DAY}"
        after = sim.truth(start, needed_end)
        report["sums_after_incremental"] = compare_sums(
            after, {"ours": loaded_sums(ours_db, DATASET_NAME)}
        )
        if with_dbt and "incremental" in size.dbt_builds:
            # the same target directory, as a daily job would have: dbt parses only what changed
            dbt["incremental"] = _dbt(ours_db, work / "dbt-target", say)
        report["simulator_peak_rss_mb"] = round(sim.peak_rss_mb(), 1)

    report["runs"] = {name: run.figures() for name, run in runs.items()}
    report["dbt"] = dbt
    report["backfill_turns"] = turn_figures(runs, size.turns)
    report["ratios"] = ratios(runs, size.turns)
    report["targets"] = targets(report["ratios"])
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    report["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    if workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _ours_paths(work: Path, name: str) -> dict[str, Path]:
    return {"duckdb_path": work / f"{name}.duckdb", "pipelines_dir": work / f"{name}-pipelines"}


def _dbt(duckdb_path: Path, target: Path, say: Callable[[str], None]) -> dict[str, Any]:
    measured = measure(run_dbt, duckdb_path=duckdb_path, target_path=target)
    say(f"dbt build: {measured.wall_seconds:.1f} s ({measured.result.get('summary') or 'failed'})")
    return {
        "wall_seconds": round(measured.wall_seconds, 2),
        "peak_rss_mb": round(measured.peak_rss_mb, 1),
        **measured.result,
    }


def loaded_sums(duckdb_path: Path, dataset: str | None = None) -> dict[str, Any]:
    """Row counts and sums of model_costs and model_usage in a loaded DuckDB file."""
    from bench.peer import DATASET as PEER_DATASET

    schema = dataset or PEER_DATASET
    with duckdb.connect(str(duckdb_path), read_only=True) as db:
        rows, amount = db.execute(
            f"select count(*), sum(amount_usd) from {schema}.model_costs"
        ).fetchone() or (0, None)
        columns = {
            name
            for (name,) in db.execute(
                "select column_name from information_schema.columns"
                " where table_schema = ? and table_name = 'model_usage'",
                [schema],
            ).fetchall()
        }
        present = [name for name in USAGE_COUNTS if name in columns]
        usage = db.execute(
            "select count(*)"
            + "".join(f", coalesce(sum({name}), 0)" for name in present)
            + f" from {schema}.model_usage"
        ).fetchone()
    assert usage is not None
    return {
        "cost_rows": int(rows),
        "amount_usd": Decimal(amount or 0),
        "usage_rows": int(usage[0]),
        "usage_sums": {
            name: int(usage[1 + present.index(name)]) if name in present else 0
            for name in USAGE_COUNTS
        },
    }


def compare_sums(truth: Truth, loaded: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ledger's sums beside each load's (ours, the peer), and whether they are equal."""
    expected = {
        "cost_rows": truth.cost_rows,
        "amount_usd": truth.amount_usd,
        "usage_rows": truth.usage_rows,
        "usage_sums": truth.usage_sums,
    }
    equal = all(sums == expected for sums in loaded.values())
    totals_agree = truth.daily_totals_usd == truth.amount_usd
    verdict = (
        f"{'equal' if equal else 'NOT EQUAL'}: {' = '.join(['ledger', *loaded])}"
        f" = ${expected['amount_usd']} over {truth.cost_rows} cost rows"
        f" and {truth.usage_rows} usage rows"
    )

    def plain(sums: dict[str, Any]) -> dict[str, Any]:
        return {**sums, "amount_usd": f"{sums['amount_usd']:.9f}"}

    return {
        "equal": equal and totals_agree,
        "verdict": verdict,
        "ledger": plain(expected),
        "ledger_daily_totals_usd": f"{truth.daily_totals_usd:.9f}",
        **{name: plain(sums) for name, sums in loaded.items()},
    }


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b to 3 decimals; None where either is missing or b is 0."""
    return round(a / b, 3) if a is not None and b else None


def ratios(runs: dict[str, Run], turns: int) -> dict[str, float | None]:
    """The ratios the targets are about; `turns` backfill turns of the floor and ours ran."""

    def wall(name: str) -> float | None:
        return runs[name].measured.wall_seconds if name in runs else None

    def over_minimum(name: str) -> float | None:
        run = runs.get(name)
        if run is None or not run.minimum_requests:
            return None
        return round(run.requests.total / run.minimum_requests, 4)

    def cpu(name: str) -> float | None:
        run = runs.get(name)
        return run.measured.cpu_seconds + run.simulator_cpu_seconds if run else None

    pairs = ran_turns(runs, turns)
    floors, ours = [floor for floor, _ in pairs], [our for _, our in pairs]

    def best(measure: Callable[[str], float | None], names: list[str]) -> float | None:
        figures = [figure for figure in map(measure, names) if figure is not None]
        return min(figures) if figures else None

    def median_of_turns(measure: Callable[[str], float | None]) -> float | None:
        figures = [ratio(measure(our), measure(floor)) for floor, our in pairs]
        known = [figure for figure in figures if figure is not None]
        return round(statistics.median(known), 3) if known else None

    long, short = runs.get("ours"), runs.get("ours_short_backfill")
    return {
        # each run of ours against the floor's run just before it, the median over the turns:
        # what a minute's neighbour does to the shared cores weighs on both sides of a turn
        "ours_over_floor": median_of_turns(wall),
        "peer_over_ours": ratio(wall("peer"), wall("ours")),
        "backfill_requests_over_minimum": over_minimum("ours"),
        "incremental_requests_over_minimum": over_minimum("ours_incremental"),
        "peak_rss_long_over_short": ratio(
            long.measured.peak_rss_mb if long else None,
            short.measured.peak_rss_mb if short else None,
        ),
        "latency_speedup": ratio(wall("ours_latency_one_in_flight"), wall("ours_latency")),
        # not targets: the better run of each side (the closest this machine came to the
        # physical limit, and to what ours can do, whatever their minutes), and CPU seconds
        # (client + simulator) of ours over the floor's, turn by turn, which a busy neighbour on
        # the shared cores disturbs less than wall time
        "ours_over_floor_best_runs": ratio(best(wall, ours), best(wall, floors)),
        "ours_over_floor_cpu": median_of_turns(cpu),
    }


def ran_turns(runs: dict[str, Run], turns: int) -> list[tuple[str, str]]:
    """The (floor, ours) run names of each backfill turn that ran both sides."""
    return [(floor, ours) for floor, ours in turn_names(turns) if floor in runs and ours in runs]


def turn_figures(runs: dict[str, Run], turns: int) -> list[dict[str, Any]]:
    """Each backfill turn that ran both sides: the floor's and ours' wall time, and their ratio."""
    out = []
    for floor, ours in ran_turns(runs, turns):
        floor_wall, ours_wall = runs[floor].measured.wall_seconds, runs[ours].measured.wall_seconds
        out.append(
            {
                "floor": floor,
                "ours": ours,
                "floor_wall_seconds": round(floor_wall, 3),
                "ours_wall_seconds": round(ours_wall, 3),
                "ours_over_floor": ratio(ours_wall, floor_wall),
            }
        )
    return out


def targets(values: dict[str, float | None]) -> dict[str, dict[str, Any]]:
    """Each target with its figure and whether it is met (never a failure: a report)."""
    out = {}
    for name, (op, bound) in TARGETS.items():
        value = values.get(name)
        judged = value
        if name == "backfill_requests_over_minimum" and value is not None:
            judged = round(value, 2)
        met = None if judged is None else (judged <= bound if op == "<=" else judged >= bound)
        out[name] = {"value": value, "target": f"{op} {bound}", "met": met}
    return out


def machine() -> dict[str, Any]:
    """The machine the figures were taken on."""
    memory = psutil.virtual_memory()
    return {
        "cpu_count": os.cpu_count(),
        "memory_gb": round(memory.total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: metadata.version(name) for name in ("dlt", "duckdb", "dbt-core", "urllib3")
        },
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }


def write_report(report: dict[str, Any], output: Path | None) -> Path:
    """Write the report as JSON (default: bench/results/<mode>-<time>.json)."""
    if output is None:
        stamp = report["started_at"].replace(":", "").replace("+0000", "Z")
        output = RESULTS_DIR / f"{report['mode']}-{stamp}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    return output


def table(report: dict[str, Any]) -> str:
    """The figures as a plain-text table, then the ratios against their targets."""
    header = (
        f"{'run':<28}{'wall s':>9}{'rows':>10}{'rows/s':>10}{'peak MB':>9}{'cpu s':>8}"
        f"{'sim cpu':>8}{'requests':>9}{'minimum':>9}{'ratio':>7}{'retries':>8}"
    )
    lines = [header, "-" * len(header)]
    for name, run in report["runs"].items():
        lines.append(
            f"{name:<28}{run['wall_seconds']:>9.2f}{run['rows']:>10}"
            f"{run['rows_per_second'] or 0:>10}{run['peak_rss_mb']:>9.0f}"
            f"{run['cpu_seconds']:>8.1f}{run['simulator_cpu_seconds']:>8.1f}"
            f"{run['requests']:>9}{run['minimum_requests'] or '':>9}"
            f"{run['requests_over_minimum'] or '':>7}{run['retries']:>8}"
        )
    for name, dbt in report.get("dbt", {}).items():
        outcome = dbt.get("summary") or f"FAILED: {dbt.get('error', '')[:60]}"
        lines.append(f"dbt build after {name:<12}{dbt['wall_seconds']:>9.2f}   {outcome}")
    lines.append("")
    lines.append(f"sums: {report['sums']['verdict']}")
    lines.append(f"after the daily run: {report['sums_after_incremental']['verdict']}")
    read = report["runs"]["ours_incremental"]["reported"].get("days", {}).get("model_costs")
    needed = report["incremental_days_needed"]
    lines.append(f"the daily run read days {read}; its lookback needs {needed}")
    lines.append("")
    for name, target in report["targets"].items():
        met = {True: "met", False: "MISSED", None: "n/a"}[target["met"]]
        lines.append(f"{name:<36}{target['value']!s:>10}  target {target['target']:<8} {met}")
    for name, says in (
        ("ours_over_floor_best_runs", "(the better run of each side)"),
        ("ours_over_floor_cpu", "(client + simulator CPU, the median of the turns)"),
    ):
        lines.append(f"{name:<36}{report['ratios'].get(name)!s:>10}  {says}")
    turns = report.get("backfill_turns", [])
    lines.append(
        "ours / floor turn by turn: "
        + ", ".join(
            f"{t['ours_over_floor']} ({t['ours_wall_seconds']:.2f}"
            f" / {t['floor_wall_seconds']:.2f} s)"
            for t in turns
        )
    )
    lines.append("")
    lines.append("where the backfill's wall time went (the run's CPU beside the simulator's):")
    for name in (name for turn in turns for name in (turn["floor"], turn["ours"])):
        run = report["runs"].get(name, {})
        split = run.get("time_split")
        if split:
            waited = run.get("simulator_waited_for_a_core_seconds")
            steps = run.get("reported", {}).get("step_seconds")
            lines.append(
                f"  {name:<12}{split['waiting_on_simulator']:>6.1f} s waiting on the simulator,"
                f"{split['both_working']:>6.1f} s both working,"
                f"{split['simulator_idle']:>6.1f} s with the simulator idle"
                + ("" if waited is None else f"; the simulator waited {waited:.1f} s for a core")
                + (
                    "; dlt's steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in steps.items())
                    if steps
                    else ""
                )
            )
    m = report["machine"]
    lines.append("")
    lines.append(
        f"machine: {m['cpu_count']} cores, {m['memory_gb']} GB, load average before"
        f" {m['loadavg_before'][0]} after {m['loadavg_after'][0]} (the simulator shares the"
        f" cores); total {report['total_seconds']} s"
    )
    return "\n".join(lines)
