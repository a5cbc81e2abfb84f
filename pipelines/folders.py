"""Folders a command writes into, checked before it starts anything."""

from __future__ import annotations

import os
from pathlib import Path

from sources.atlas_billing.errors import ConfigurationError

_FIX = "choose a folder that can be created and written"


def usable_folder(path: Path, option: str) -> Path:
    """Create `path` (and its parents) where need be and return it; where it cannot be used, a
    ConfigurationError naming `option` (e.g. `--workdir`), the reason and the fix."""
    if path.exists() and not path.is_dir():
        raise ConfigurationError(f"cannot create {option} {path}: it is a file; {_FIX}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(f"cannot create {option} {path} ({reason}); {_FIX}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigurationError(f"{option} {path} is not writable; {_FIX}")
    return path
