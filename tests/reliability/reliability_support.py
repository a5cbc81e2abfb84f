"""What the reliability tests share: a tally of what was tried and what ended exactly right, a
workspace that runs the real `atlas-billing` command (in this process or in its own) and looks
for the API key everywhere a run leaves traces, a simulator in a process of its own, and a
snapshot of every table a run builds (raw and marts) for comparing runs row for row."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))
from pipeline_support import snapshot

from pipelines.cli import main
from pipelines.transform import default_target_path, marts_schema

REPO = Path(__file__).resolve().parents[2]
KEY_ENV = "SOURCES__ATLAS_BILLING__API_KEY"
KEY_PREFIX = "apikey-"

# ---- the tally ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """How many faults, kills and bad inputs the suite tried, and how many ended exactly right.

    A test counts what it tries before it acts and what ended right after its assertions pass,
    so a failing test leaves its tries uncounted as right.
    """

    tried: dict[str, int] = field(default_factory=dict)
    right: dict[str, int] = field(default_factory=dict)
    detail: dict[str, dict[str, int]] = field(default_factory=dict)

    def add_tried(self, kind: str, n: int = 1, *, label: str | None = None) -> None:
        self.tried[kind] = self.tried.get(kind, 0) + n
        if label:
            labels = self.detail.setdefault(kind, {})
            labels[label] = labels.get(label, 0) + n

    def add_right(self, kind: str, n: int = 1) -> None:
        self.right[kind] = self.right.get(kind, 0) + n

    @contextmanager
    def attempt(self, kind: str, n: int = 1, *, label: str | None = None) -> Iterator[None]:
        """Count `n` tries of `kind`; they ended right if the block finishes without raising."""
        self.add_tried(kind, n, label=label)
        yield
        self.add_right(kind, n)

    def summary(self) -> str:
        parts = []
        for kind in sorted(self.tried):
            labels = self.detail.get(kind)
            by = f" ({', '.join(f'{k} {v}' for k, v in sorted(labels.items()))})" if labels else ""
            parts.append(f"{kind}: {self.tried[kind]} tried{by}, {self.right.get(kind, 0)} right")
        return "reliability: " + "; ".join(parts)


# ---- where the key must never be --------------------------------------------------------------


def secret_body(key: str) -> str:
    """The part of a key that identifies it: a masked or cut prefix still may not show it."""
    return key.removeprefix(KEY_PREFIX)


def file_texts(path: Path) -> Iterator[bytes]:
    """A file's bytes, and its content decoded where it is stored compressed."""
    data = path.read_bytes()
    yield data
    if data[:2] == b"\x1f\x8b":
        yield gzip.decompress(data)
    # a parquet file a killed writer left without its footer cannot be decoded: its raw bytes
    # were scanned above
    if path.suffix == ".parquet" and data.endswith(b"PAR1"):
        yield repr(pq.read_table(path).to_pylist()).encode()


def duckdb_texts(db: Path) -> Iterator[str]:
    """Every value of every table and view in a DuckDB file as text, dlt's compressed state too."""
    from dlt.common.versioned_state import decompress_state

    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables"
            " where table_type = 'BASE TABLE'"
        ).fetchall()
        for schema, table in tables:
            yield repr(con.sql(f'select * from "{schema}"."{table}"').fetchall())
            if table == "_dlt_pipeline_state":
                for (state,) in con.sql(f'select state from "{schema}"."{table}"').fetchall():
                    yield repr(decompress_state(state))


def places_holding(secret: str, *, texts: dict[str, str], roots: Sequence[Path]) -> list[str]:
    """Where `secret` shows: named texts (output), files under `roots`, DuckDB files' contents."""
    needle = secret.encode()
    found = [name for name, text in texts.items() if secret in text]
    for root in roots:
        if not root.exists():
            continue
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if not path.is_file():
                continue
            if any(needle in text for text in file_texts(path)):
                found.append(str(path))
            if path.suffix == ".duckdb" and any(secret in t for t in duckdb_texts(path)):
                found.append(f"{path} (tables)")
    return found


def assert_key_nowhere(
    key: str, tally: Tally, *, roots: Sequence[Path], texts: dict[str, str] | None = None
) -> None:
    """The key is in none of `texts` and nowhere under `roots` (files, DuckDB tables)."""
    with tally.attempt("key scans"):
        assert places_holding(secret_body(key), texts=texts or {}, roots=roots) == []


# ---- running the command ----------------------------------------------------------------------


@dataclass
class Outcome:
    """What one `atlas-billing` run printed and how it ended."""

    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if ": error: " in line]

    def one_error_line(self) -> str:
        """The single error line of a failed run; asserts there is exactly one and no traceback."""
        assert self.code == 2, (self.code, self.out[-2000:], self.err[-4000:])
        assert "Traceback" not in self.err, self.err[-4000:]
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, lines
        return lines[0]


@dataclass
class Workspace:
    """One user's working directory: a DuckDB file, dlt's working folder, and what ran there.

    Every key used by a run and every output is remembered, so that `key_leaks()` can look for
    the keys in output, files, the warehouse and dbt's folders afterwards.
    """

    root: Path
    capfd: pytest.CaptureFixture[str] | None = None
    monkeypatch: pytest.MonkeyPatch | None = None
    """Needed by `cli` only: runs in processes of their own need neither."""
    keys: set[str] = field(default_factory=set)
    outputs: dict[str, str] = field(default_factory=dict)
    dbs: set[Path] = field(default_factory=set)
    started: int = 0
    _stderr: dict[int, Path] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.root / "atlas.duckdb"

    @property
    def pipelines_dir(self) -> Path:
        return self.root / "pipelines"

    def run_args(self, base_url: str, *args: str, db: Path | None = None) -> list[str]:
        """`atlas-billing run` against `base_url` into this workspace."""
        db = db or self.db
        self.dbs.add(db)
        return [
            "run",
            "--base-url",
            base_url,
            "--duckdb-path",
            str(db),
            "--pipelines-dir",
            str(self.pipelines_dir),
            *args,
        ]

    def _environment(self, key: str | None, env: dict[str, str] | None) -> dict[str, str]:
        if key:
            self.keys.add(key)
        values = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
        values.pop(KEY_ENV, None)
        if key is not None:
            values[KEY_ENV] = key
        values.update(env or {})
        return values

    def cli(self, *argv: str, key: str | None, env: dict[str, str] | None = None) -> Outcome:
        """Run the command in this process (its real entry point), output captured."""
        assert self.capfd is not None and self.monkeypatch is not None
        environment = self._environment(key, env)
        self.capfd.readouterr()
        with self.monkeypatch.context() as patch:
            for name in [n for n in os.environ if n.startswith("SOURCES__")]:
                patch.delenv(name)
            for name, value in environment.items():
                if os.environ.get(name) != value:
                    patch.setenv(name, value)
            patch.chdir(self.root)
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse's way out of a bad command line
                code = exc.code if isinstance(exc.code, int) else 2
        captured = self.capfd.readouterr()
        return self._remember(Outcome(code, captured.out, captured.err))

    def start(
        self, *argv: str, key: str | None, env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        """Start the command in a process of its own (to kill it, or run two at once).

        Its stdout is a pipe to read progress from; its stderr goes to a file in the workspace.
        """
        self.started += 1
        with (self.root / f"run-{self.started}.stderr").open("w") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "pipelines.cli", *argv],
                cwd=self.root,
                env={**self._environment(key, env), "PYTHONPATH": str(REPO)},
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self._stderr[process.pid] = self.root / f"run-{self.started}.stderr"
        return process

    def kill(self, process: subprocess.Popen[str], point: KillPoint) -> Killed:
        """SIGKILL a run started here at `point` (see `kill_at`)."""
        killed = kill_at(process, self.pipelines_dir / "atlas_billing", point)
        self._remember(Outcome(-9, killed.out, self._stderr[process.pid].read_text()))
        return killed

    def finish(
        self, process: subprocess.Popen[str], timeout: float = 600, *, read_so_far: str = ""
    ) -> Outcome:
        """Wait for a run started here; `read_so_far` is stdout the caller already read."""
        out, _ = process.communicate(timeout=timeout)
        err = self._stderr[process.pid].read_text()
        return self._remember(Outcome(process.returncode, read_so_far + out, err))

    def _remember(self, outcome: Outcome) -> Outcome:
        n = len(self.outputs) // 2
        self.outputs[f"stdout of run {n}"] = outcome.out
        self.outputs[f"stderr of run {n}"] = outcome.err
        return outcome

    def dbt_folders(self) -> list[Path]:
        return [default_target_path(db) for db in self.dbs]

    def key_leaks(self) -> dict[str, list[str]]:
        """For each key used here: every output, file or table holding it (none, we hope)."""
        roots = [self.root, *self.dbt_folders()]
        return {
            key: places
            for key in sorted(self.keys)
            if (places := places_holding(secret_body(key), texts=self.outputs, roots=roots))
        }

    def clean_up(self) -> None:
        for folder in self.dbt_folders():
            shutil.rmtree(folder, ignore_errors=True)


# ---- a simulator in its own process ------------------------------------------------------------


@dataclass
class StandaloneSimulator:
    """`atlas-billing simulate` running in its own process on 127.0.0.1, clock frozen."""

    process: subprocess.Popen[str]
    base_url: str
    admin_key: str

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


@contextmanager
def standalone_simulator(*options: str) -> Iterator[StandaloneSimulator]:
    """Start the simulator CLI with `options` (plus --port 0 and --frozen-clock)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "simulate",
            "--port",
            "0",
            "--frozen-clock",
            *options,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen: dict[str, str] = {}
    for line in process.stdout:
        name, _, value = line.partition(":")
        seen[name.strip()] = value.strip()
        if line.startswith("Ctrl-C"):
            break
    # keep reading so a full pipe never blocks the server
    threading.Thread(target=process.stdout.read, daemon=True).start()
    try:
        assert "base URL" in seen, seen
        yield StandaloneSimulator(process, seen["base URL"], seen["admin API key"].split()[0])
    finally:
        process.kill()
        process.wait(timeout=30)


# ---- killing a run at a chosen moment -----------------------------------------------------------

PHASES = ("extract", "normalize", "load", "dbt")


@dataclass
class KillPoint:
    """Where to kill a run: the phase, which dlt load of the run (1-based), and a delay."""

    phase: str
    load: int = 1
    delay_s: float = 0.0

    def __str__(self) -> str:
        where = "dbt" if self.phase == "dbt" else f"{self.phase} of load {self.load}"
        return f"{where} + {self.delay_s:.2f}s"


@dataclass
class Killed:
    """What a killed run had done when the SIGKILL came."""

    point: KillPoint
    phase_seen: str
    out: str


def _has_entries(folder: Path) -> bool:
    try:
        return any(os.scandir(folder))
    except FileNotFoundError:
        return False


def kill_at(process: subprocess.Popen[str], pipeline_dir: Path, point: KillPoint) -> Killed:
    """Watch a running `atlas-billing run` and SIGKILL it at `point`.

    Extract: once load `point.load` has read its first window. Normalize: once that load's
    package is extracted and waits for or undergoes normalizing. Load: once the load step has
    started that load's jobs. dbt: once the load summary is printed (dbt builds next). Then
    `delay_s` more. Fails if the run ends before the point comes.
    """
    assert process.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    extracted = pipeline_dir / "normalize" / "extracted"
    normalized = pipeline_dir / "load" / "normalized"
    new = pipeline_dir / "load" / "new"

    def reached() -> str | None:
        current = list(lines)
        if point.phase == "dbt":
            return "dbt" if any(line.startswith("loaded into") for line in current) else None
        commits = [i for i, line in enumerate(current) if _COMMITTED.match(line)]
        if len(commits) != point.load - 1:
            return None
        if point.phase == "extract":
            since = current[commits[-1] + 1 :] if commits else current
            return "extract" if any(": read " in line for line in since) else None
        if point.phase == "normalize":
            return "normalize" if _has_entries(extracted) or _has_entries(new) else None
        for package in normalized.glob("*"):
            if _has_entries(package / "started_jobs"):
                return "load"
        return None

    phase_seen = None
    while phase_seen is None:
        if process.poll() is not None:
            reader.join(timeout=5)
            raise AssertionError(f"the run ended before {point}:\n{''.join(lines)[-3000:]}")
        phase_seen = reached()
        if phase_seen is None:
            time.sleep(0.003)
    if point.delay_s:
        time.sleep(point.delay_s)
    process.kill()
    process.wait(timeout=30)
    reader.join(timeout=5)
    assert process.returncode == -9, f"not killed at {point}: exit {process.returncode}"
    return Killed(point, phase_seen, "".join(lines))


_COMMITTED = re.compile(r"load \d+ committed")


# ---- comparing warehouses -----------------------------------------------------------------------


def _plain(value: Any) -> Any:
    # floats (burn rates, runway days) are summed in parallel by DuckDB: compare them rounded;
    # money is DECIMAL and compared exactly
    return round(value, 6) if isinstance(value, float) else value


def everything(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in a DuckDB file, dlt's bookkeeping included, rows sorted."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables"
            " where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        rows = {f"{s}.{t}": con.sql(f'from "{s}"."{t}"').fetchall() for s, t in tables}
    return {name: sorted(values, key=repr) for name, values in rows.items()}


def marts(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table dbt built (marts and seeds), rows sorted; empty if dbt never built."""
    schema = marts_schema()
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                [schema],
            ).fetchall()
        ]
        built = {table: con.sql(f"from {schema}.{table}").fetchall() for table in tables}
    return {
        table: sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)
        for table, rows in built.items()
    }


def warehouse(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Raw tables (request ids left out) and marts: what a user would compare two runs by."""
    return {**snapshot(db), **{f"marts.{k}": v for k, v in marts(db).items()}}


def differences(got: dict[str, list[Any]], expected: dict[str, list[Any]]) -> list[str]:
    """Which tables differ, with row counts: a readable assertion message."""
    names = sorted(set(got) | set(expected))
    return [
        f"{name}: {len(got.get(name, []))} rows vs {len(expected.get(name, []))} expected"
        for name in names
        if got.get(name) != expected.get(name)
    ]
