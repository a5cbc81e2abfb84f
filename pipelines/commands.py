"""The list of subcommands of `atlas-billing`; each entry is a module's `register` function."""

from __future__ import annotations

from pipelines.run import register as register_run
from simulator.cli import register as register_simulate

REGISTRY = [
    register_run,
    register_simulate,
]
