"""One run at a time per warehouse: a second `atlas-billing run` on the same DuckDB file fails at
once with one line, instead of interleaving its loads and its dbt build with the first run's.

The lock is an advisory `flock` on a file beside the DuckDB file (`atlas.duckdb.lock`) that
holds the running process's id. The kernel releases it when that process ends, however it ends,
so a run killed with SIGKILL never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sources.atlas_billing.errors import AtlasBillingError, ConfigurationError


class RunInProgress(AtlasBillingError):
    """Another run holds the warehouse."""


def lock_path(target: Path) -> Path:
    """The lock file of a DuckDB file (or of any path a run writes to)."""
    return target.with_name(f"{target.name}.lock")


@contextmanager
def exclusive_run(target: Path, *, option: str = "--duckdb-path") -> Iterator[None]:
    """Hold the run lock of `target` for the duration of the block.

    Raises RunInProgress when another process holds it, and ConfigurationError when the lock
    file cannot be created (the folder is missing or not writable); `option` is what the user
    changes to pick another target.
    """
    path = lock_path(Path(target))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write beside {target} ({exc.strerror}); choose a {option} in a folder that"
            " exists and is writable"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise RunInProgress(
                f"another atlas-billing run (pid {holder}) is writing to {target}; wait for it"
                f" to finish, or use another {option}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
