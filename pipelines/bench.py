"""`atlas-billing bench`: how close a load comes to just downloading the data, against a peer.

Runs the simulator on 127.0.0.1 in its own process, then side by side: the floor (the same pages
downloaded and parsed, nothing loaded), ours (the full pipeline into DuckDB) and dlt's own
rest_api source, over a backfill, a backfill with network latency, and the daily run after it,
plus dbt build. Prints a table and writes the figures as JSON. Figures never fail: they report.
The suite lives in `bench/` (a source checkout); see README.md, section Performance.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipelines.folders import usable_folder
from sources.atlas_billing.errors import ConfigurationError


def register(subparsers: Any) -> None:
    """Add the `bench` subcommand."""
    parser = subparsers.add_parser(
        "bench",
        help="benchmark the load against the floor and dlt's rest_api source",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        dest="mode",
        action="store_const",
        const="quick",
        help="a small account, one dbt build: under a minute (default)",
    )
    mode.add_argument(
        "--full",
        dest="mode",
        action="store_const",
        const="full",
        help="500 keys x 40 models over 2 years (millions of rows): many minutes",
    )
    parser.set_defaults(mode="quick", handler=handle_bench)
    parser.add_argument(
        "--output",
        type=Path,
        help="the JSON file to write (default: bench/results/<mode>-<time>.json)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the DuckDB files and dlt directories here (default: a temporary directory)",
    )
    parser.add_argument("--no-dbt", action="store_true", help="skip the dbt build timings")


def handle_bench(args: argparse.Namespace) -> int:
    """Run the suite, print the table, write the JSON; exit 1 if the loaded sums differ."""
    try:
        from bench.suite import run_suite, table, write_report
    except ImportError:
        raise ConfigurationError(
            "the benchmarks live in bench/ of a source checkout; run them from there"
        ) from None
    # checked before the suite starts: a full run takes minutes, and writes the JSON at the end
    if args.workdir is not None:
        usable_folder(args.workdir, "--workdir")
    if args.output is not None:
        if args.output.is_dir():
            raise ConfigurationError(
                f"--output {args.output} is a folder; name the JSON file to write,"
                f" e.g. {args.output / 'bench.json'}"
            )
        usable_folder(args.output.parent, "the folder of --output")
    report = run_suite(
        args.mode,
        workdir=args.workdir,
        with_dbt=not args.no_dbt,
        say=lambda line: print(line, flush=True),
    )
    path = write_report(report, args.output)
    print()
    print(table(report))
    print(f"\nfigures written to {path}")
    sums_equal = report["sums"]["equal"] and report["sums_after_incremental"]["equal"]
    return 0 if sums_equal else 1
