"""The package as `pip install` leaves it: built into a wheel, installed into a fresh virtual
environment (the locked versions), and run as `atlas-billing run` from an empty directory, away
from the source checkout: the load and the dbt build both work, dbt reads the project the wheel
carries (left read-only, as a system install may be) and writes its artifacts to the user's
cache."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from pipeline_support import NOW, Served, account, query

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt"
GENERATED = {"target", "logs", "dbt_packages"}
"""What dbt writes into its project folder: never part of the package."""


def _uv() -> str:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.fail("uv is needed to build and install the package (pip install uv)")
    return uv


def _run(*args: str | Path, cwd: Path = REPO, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{args[:3]}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def _project_files(root: Path) -> set[str]:
    """The dbt project's files as the wheel should carry them: what dbt generates and what git
    ignores (hatch leaves out what `.gitignore` names, e.g. a demo's output) are not."""
    files = {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and not GENERATED & set(path.relative_to(root).parts)
        and "__pycache__" not in path.parts
    }
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        input="\n".join(sorted(files)),
        cwd=root,
        capture_output=True,
        text=True,
    )
    if ignored.returncode not in (0, 1):  # not a git checkout: nothing is known to be ignored
        return files
    return files - set(ignored.stdout.splitlines())


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the wheel built from this checkout; its bin/ folder."""
    uv, where = _uv(), tmp_path_factory.mktemp("installed")
    _run(uv, "build", "--wheel", "--out-dir", where / "dist", "--quiet")
    (wheel,) = (where / "dist").glob("atlas_billing-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    prefix = "pipelines/dbt_project/"
    assert {name.removeprefix(prefix) for name in names if name.startswith(prefix)} == (
        _project_files(DBT_DIR)
    )
    assert not [name for name in names if GENERATED & set(name.split("/"))]

    requirements = where / "requirements.txt"
    _run(
        uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes",
        "--quiet", "--output-file", requirements,
    )  # fmt: skip
    venv = where / "venv"
    _run(uv, "venv", "--quiet", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    _run(uv, "pip", "install", "--quiet", "--python", python, "-r", requirements, wheel)
    return venv / "bin"


def test_the_installed_command_loads_and_builds_the_packaged_dbt_project(
    installed: Path, serve: Callable[..., Served], tmp_path: Path
) -> None:
    where = "import os, pipelines; print(os.path.dirname(pipelines.__file__))"
    site = Path(_run(installed / "python", "-c", where, cwd=tmp_path).strip())
    project = site / "dbt_project"
    assert (project / "dbt_project.yml").is_file()
    before = _project_files(project)
    for path in [project, *project.rglob("*")]:  # read-only, as a system-wide install can be
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))

    served = serve(account(n_keys=3, first_day=NOW.date() - timedelta(days=10)))
    workdir, cache = tmp_path / "elsewhere", tmp_path / "cache"
    workdir.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "PYTHON", "RUNTIME__", "NORMALIZE__"))
    }
    env.update(
        SOURCES__ATLAS_BILLING__API_KEY=served.sim.keys.admin,
        XDG_CACHE_HOME=str(cache),
        HOME=str(tmp_path),  # nothing of the user's own dlt configuration
    )
    try:
        out = _run(
            installed / "atlas-billing", "run",
            "--base-url", served.base_url,
            "--start-date", str(served.sim.config.first_day),
            "--pipelines-dir", tmp_path / "dlt",
            cwd=workdir, env=env,
        )  # fmt: skip
    finally:
        for path in [project, *project.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)

    assert "load 1 committed" in out
    assert "dbt build:" in out and "passed" in out
    spend = query(
        workdir / "atlas.duckdb",
        "select sum(cost_usd) from atlas_billing_models.atlas_billing__spend_daily",
    )[0][0]
    ledger = sum(
        row["amount_usd"]
        for row in served.sim.ledger.model_costs(
            served.sim.config.first_day, NOW.date() + timedelta(days=1)
        )
    )
    assert spend == ledger
    targets = list((cache / "atlas-billing" / "dbt-target").glob("atlas-*/manifest.json"))
    assert len(targets) == 1
    assert _project_files(project) == before
