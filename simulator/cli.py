"""`atlas-billing simulate`: run the simulated API in the foreground on 127.0.0.1."""

from __future__ import annotations

import argparse
import signal
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from simulator.account import AccountConfig
from simulator.faults import FAULT_KINDS, FaultConfig
from simulator.simulator import Simulator
from sources.atlas_billing.errors import ConfigurationError


def register(subparsers: Any) -> None:
    """Add the `simulate` subcommand."""
    parser = subparsers.add_parser(
        "simulate",
        help="run the simulated Atlas Cloud Billing API on 127.0.0.1",
        description=(
            "Serve a simulated Atlas Cloud account over the Billing Public API on 127.0.0.1. "
            "Everything is deterministic from --seed; the clock starts at --now and ticks."
        ),
    )
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keys", type=int, default=5, help="number of API keys")
    parser.add_argument("--models", type=int, default=6, help="number of models")
    parser.add_argument("--days", type=int, default=400, help="account age in days at --now")
    parser.add_argument("--now", help="simulated start time, ISO 8601 (default: the real time)")
    parser.add_argument("--frozen-clock", action="store_true", help="do not let the clock tick")
    parser.add_argument(
        "--other-spend-usd-per-day", default="0", help="DevPod/GPU/storage spend per day"
    )
    parser.add_argument("--no-restatements", action="store_true")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help=f"inject a fault at a rate, e.g. 429=0.1; kinds: {', '.join(FAULT_KINDS)}",
    )
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--rate-limit-per-s", type=float, default=None)
    parser.add_argument("--rate-limit-burst", type=int, default=10)
    parser.add_argument("--export-ledger", metavar="CSV", help="write the purchase ledger CSV")
    parser.set_defaults(handler=run_simulate)


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigurationError(f"--now {text!r} is not an ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _fault_rates(specs: list[str]) -> dict[str, float]:
    rates: dict[str, float] = {}
    for spec in specs:
        kind, _, rate = spec.partition("=")
        if kind not in FAULT_KINDS:
            raise ConfigurationError(
                f"--fault {spec!r}: unknown kind; known: {', '.join(FAULT_KINDS)}"
            )
        try:
            rates[kind] = float(rate)
        except ValueError:
            raise ConfigurationError(
                f"--fault {spec!r}: rate must be a number, e.g. 429=0.1"
            ) from None
    return rates


def other_spend_per_day(text: str) -> Decimal:
    """`--other-spend-usd-per-day` as dollars: a finite number, 0 or more."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise ConfigurationError(
            f"--other-spend-usd-per-day {text!r} must be a number of dollars, 0 or more, e.g. 1.50"
        )
    return value


def build_simulator(args: argparse.Namespace) -> Simulator:
    """The simulator the command-line options describe."""
    now = _now(args.now)
    if args.keys < 1 or args.models < 1 or args.days < 1:
        raise ConfigurationError("--keys, --models and --days must be at least 1")
    other = other_spend_per_day(args.other_spend_usd_per_day)
    config = AccountConfig(
        seed=args.seed,
        n_keys=args.keys,
        n_models=args.models,
        first_day=(now - timedelta(days=args.days)).date(),
        other_spend_usd_per_day=other,
        restatements=not args.no_restatements,
    )
    try:
        faults = FaultConfig(
            seed=args.fault_seed,
            rates=_fault_rates(args.fault),
            latency_ms=args.latency_ms,
            jitter_ms=args.jitter_ms,
            rate_limit_per_s=args.rate_limit_per_s,
            rate_limit_burst=args.rate_limit_burst,
        )
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    return Simulator(config, now=now, faults=faults, ticking=not args.frozen_clock)


def run_simulate(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    # Ctrl-C stops it, as it says, even when started where SIGINT is ignored (a shell runs a
    # background job so, and the job's children inherit it): Python then leaves it ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sim = build_simulator(args)
    if args.export_ledger:
        try:
            path = sim.ledger.export_purchase_ledger_csv(args.export_ledger)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot write --export-ledger {args.export_ledger}"
                f" ({exc.strerror or type(exc).__name__}); give a file in a folder that exists"
                " and can be written"
            ) from None
        print(f"purchase ledger:    {path}")
    try:
        server = sim.serve(args.port)
    except (OSError, RuntimeError, SystemExit) as exc:
        raise ConfigurationError(f"cannot serve on 127.0.0.1:{args.port}: {exc}") from None
    print(f"base URL:           {server.base_url}", flush=True)
    print(f"admin API key:      {sim.keys.admin}  (account scope + balance)")
    print(f"self-only API key:  {sim.keys.self_only}  (scope=self only)")
    print(f"self-only key IDs:  {', '.join(sim.keys.self_only_key_ids)}")
    print(f"account opened:     {sim.config.first_day}   clock: {sim.clock.now().isoformat()}")
    print("Ctrl-C to stop.", flush=True)
    with server:
        server.wait()
    return 0
