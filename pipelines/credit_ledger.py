"""The purchase ledger a user keeps: read its CSV, and load it as the raw table `credit_ledger`.

The API lists no credit purchases, so the lots whose expiry the dbt project tracks come from a
ledger the user keeps (exported receipts): one row per grant with `purchased_at`, `kind`,
`amount_usd`, and optionally `lot_id` and `expires_at`. `atlas-billing run --credit-ledger PATH`
loads it into the dataset beside the API's tables (replacing any ledger loaded before); the dbt
project then prefers it to its seed `atlas_credit_ledger`.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

import dlt
import pyarrow as pa

from sources.atlas_billing.errors import ConfigurationError

TABLE_NAME = "credit_ledger"
PIPELINE_NAME = "atlas_billing_credit_ledger"
"""A pipeline of its own (same destination and dataset), so the ledger never touches the
source's state or schema."""
KINDS = ("purchase", "bonus", "referral", "promotion", "subscription")
REQUIRED_COLUMNS = ("purchased_at", "kind", "amount_usd")
OPTIONAL_COLUMNS = ("lot_id", "expires_at")

LEDGER_SCHEMA = pa.schema(
    [
        ("lot_id", pa.string()),
        ("ledger_row", pa.int64()),
        ("purchased_at", pa.timestamp("us", tz="UTC")),
        ("kind", pa.string()),
        ("amount_usd", pa.decimal128(38, 9)),
        ("expires_at", pa.timestamp("us", tz="UTC")),
    ]
)
"""`ledger_row` is the row's position in the file: it orders lots granted at the same moment."""


def read_credit_ledger(path: str | Path) -> pa.Table:
    """Parse a purchase ledger CSV into an Arrow table; raise ConfigurationError naming the line."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigurationError(f"credit ledger {path}: cannot read it ({exc.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise ConfigurationError(
                f"credit ledger {path}: missing column(s) {', '.join(missing)}; expected "
                f"{', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(OPTIONAL_COLUMNS)}"
            )
        rows = [
            _parse_row(path, reader.line_num, index, raw)
            for index, raw in enumerate(reader, start=1)
            if any((value or "").strip() for value in raw.values())
        ]
    return pa.Table.from_pylist(rows, schema=LEDGER_SCHEMA)


def load_credit_ledger(
    path: str | Path,
    *,
    destination: Any,
    dataset_name: str,
    pipelines_dir: str | Path | None = None,
) -> int:
    """Replace the dataset's `credit_ledger` table with the ledger at `path`; return its rows.

    `destination` is a dlt destination (e.g. `dlt.destinations.duckdb(path)`), the same the
    source loads into.
    """
    table = read_credit_ledger(path)
    pipeline = dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=destination,
        dataset_name=dataset_name,
        # dlt's default (None) is ~/.dlt/pipelines
        pipelines_dir=cast(str, None if pipelines_dir is None else str(pipelines_dir)),
    )
    resource = dlt.resource(
        [table],
        name=TABLE_NAME,
        write_disposition="replace",
        columns={"amount_usd": {"data_type": "decimal", "precision": 38, "scale": 9}},
    )
    pipeline.run(resource)
    return table.num_rows


def _parse_row(path: Path, line: int, index: int, raw: dict[str, str]) -> dict[str, Any]:
    def field(name: str) -> str:
        return (raw.get(name) or "").strip()

    where = f"credit ledger {path}, line {line}"
    kind = field("kind").lower()
    if kind not in KINDS:
        raise ConfigurationError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    try:
        amount = Decimal(field("amount_usd"))
    except InvalidOperation:
        raise ConfigurationError(
            f"{where}: amount_usd {field('amount_usd')!r} is not a number"
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise ConfigurationError(f"{where}: amount_usd must be positive, got {amount}")
    if amount != amount.quantize(Decimal("1e-9")):
        raise ConfigurationError(f"{where}: amount_usd {amount} has more than 9 decimals")
    expires = field("expires_at")
    return {
        "lot_id": field("lot_id") or None,
        "ledger_row": index,
        "purchased_at": _parse_time(where, "purchased_at", field("purchased_at")),
        "kind": kind,
        "amount_usd": amount,
        "expires_at": _parse_time(where, "expires_at", expires) if expires else None,
    }


def _parse_time(where: str, name: str, text: str) -> datetime:
    """An ISO 8601 date or time; without an offset it is UTC."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ConfigurationError(
                f"{where}: {name} {text!r} is not an ISO 8601 date or time"
            ) from None
        when = datetime(day.year, day.month, day.day)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
