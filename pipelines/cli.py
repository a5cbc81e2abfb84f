"""The `atlas-billing` command: one entry point, one subcommand per job.

Each subcommand lives in its own module, which exposes `register(subparsers)`; the module adds
its parser and sets `handler` to a function taking the parsed arguments and returning an exit code.
Errors the user can act on (`AtlasBillingError`) become one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from dlt.common.configuration.exceptions import (
    ConfigurationException,
    ConfigValueCannotBeCoercedException,
)

from sources.atlas_billing.errors import AtlasBillingError


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line that points at --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    from pipelines import commands

    parser = _Parser(
        prog="atlas-billing",
        description="Load Atlas Cloud billing data with dlt and model it with dbt.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in commands.REGISTRY:
        register(subparsers)
    return parser


DLT_DEFAULTS = {
    "runtime.dlthub_telemetry": "false",
    "runtime.log_level": "WARNING",
    "normalize.data_writer.disable_compression": "true",
}
"""What the committed .dlt/config.toml sets for dlt, for a run where nothing sets it (an installed
package run outside a source checkout): no usage data sent to dltHub, dlt's log at warnings, and
the load's files uncompressed. A value set in any .dlt/ file or variable wins."""


def apply_dlt_defaults() -> None:
    """Set `DLT_DEFAULTS` that no configuration gives, as environment variables of this process."""
    import dlt

    for key, value in DLT_DEFAULTS.items():
        if dlt.config.get(key) is None:
            os.environ.setdefault(_environment_variable(key), value)


def _environment_variable(key: str) -> str:
    """The environment variable dlt reads a dotted setting from (`a.b_c` -> `A__B_C`)."""
    return "__".join(key.split(".")).upper()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        apply_dlt_defaults()
        return int(args.handler(args) or 0)
    except AtlasBillingError as exc:
        print(f"atlas-billing {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except ConfigurationException as exc:
        print(f"atlas-billing {args.command}: error: {_config_problem(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"atlas-billing {args.command}: interrupted", file=sys.stderr)
        return 130


def _config_problem(exc: ConfigurationException) -> str:
    """dlt's complaint about a config file or variable, as one line that says where to fix it."""
    if isinstance(exc, ConfigValueCannotBeCoercedException):
        # the value itself is not repeated: it may be a secret
        expected = getattr(exc.hint, "__name__", str(exc.hint))
        example = {
            "list": ' (a list, e.g. ["a", "b"])',
            "dict": ' (an object, e.g. {"memory_limit": "256MB"} as JSON)',
        }.get(expected, "")
        # a source setting is named alone; any other by its whole path (destination.duckdb...)
        variable = _environment_variable(
            exc.field_name if "." in exc.field_name else f"sources.atlas_billing.{exc.field_name}"
        )
        return (
            f"the setting {exc.field_name} is not a valid {expected}{example}; fix it in"
            f" .dlt/config.toml or in its environment variable, e.g. {variable}"
        )
    detail = " ".join(str(exc).split())
    return f"{detail}; fix the configuration (.dlt/config.toml, .dlt/secrets.toml, environment)"


if __name__ == "__main__":
    sys.exit(main())
