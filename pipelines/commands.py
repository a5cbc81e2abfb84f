"""The list of subcommands of `atlas-billing`; each entry is a module's `register` function."""

from __future__ import annotations

from pipelines.bench import register as register_bench
from pipelines.demo import register as register_demo
from pipelines.report import register as register_report
from pipelines.run import register as register_run
from simulator.cli import register as register_simulate

REGISTRY = [
    register_demo,
    register_run,
    register_report,
    register_simulate,
    register_bench,
]
