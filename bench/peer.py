"""The peer: dlt's own declarative `rest_api` source, configured as well as its features allow.

What a user would otherwise write for this API, given rest_api's features:
- a cursor paginator: `next_page` from the body goes back as the `page` query parameter (URL
  encoded by `requests`), and `has_more` says when to stop;
- `group_by[]` as a list value in `params`: `requests` sends a list as repeated keys
  (`group_by[]=model&group_by[]=api_key`), exactly what the API asks for, so no workaround is
  needed;
- one `pipeline.run` per window of at most 180 days, because rest_api cannot split a date
  range into windows itself (its incremental support sets one start/end pair per run);
- both endpoints in one source with `parallelized=True`, so they are read side by side;
- a `yield_map` processing step that turns each day bucket into its result rows with the day,
  and the six-decimal `amount.value` string into a Decimal (declared DECIMAL(38,9)), so the
  tables hold the same rows and exact money as ours;
- `append` into fresh tables: the cheapest write a backfill can use (ours replaces days).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
from dlt.sources.rest_api import rest_api_source

from bench.simulated_api import PAGE_SIZE, Window, windows

DATASET = "rest_api_peer"
MONEY = {"data_type": "decimal", "precision": 38, "scale": 9}
_BUCKET_FIELDS = ("date", "partial", "covered_until", "start_at", "end_at")


def _cost_rows(bucket: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for result in bucket["results"]:
        row = {name: bucket[name] for name in _BUCKET_FIELDS if name in bucket}
        row.update(result)
        amount = row.pop("amount")
        row["amount_usd"] = Decimal(amount["value"])
        row["currency"] = amount["currency"]
        yield row


def _usage_rows(bucket: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for result in bucket["results"]:
        row = {name: bucket[name] for name in _BUCKET_FIELDS if name in bucket}
        row.update(result)
        yield row


def rest_api_config(base_url: str, api_key: str, window: Window) -> dict[str, Any]:
    """The rest_api configuration reading one window of both endpoints at the finest grain."""

    def resource(name: str, path: str, rows: Any, columns: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": name,
            "endpoint": {
                "path": path,
                "params": {
                    "start_date": window.start.isoformat(),
                    "end_date": window.end.isoformat(),
                    "scope": "account",
                    "group_by[]": ["model", "api_key"],
                    "limit": PAGE_SIZE,
                },
                "data_selector": "data",
            },
            "write_disposition": "append",
            "columns": {"date": {"data_type": "date"}, **columns},
            "processing_steps": [{"yield_map": rows}],
        }

    return {
        "client": {
            "base_url": base_url,
            "auth": {"type": "bearer", "token": api_key},
            "paginator": {
                "type": "cursor",
                "cursor_path": "next_page",
                "cursor_param": "page",
                "has_more_path": "has_more",
            },
        },
        "resources": [
            resource("model_costs", "model-costs", _cost_rows, {"amount_usd": MONEY}),
            resource("model_usage", "model-usage", _usage_rows, {}),
        ],
    }


def load_with_rest_api(
    base_url: str, api_key: str, start: date, end: date, duckdb_path: Path, pipelines_dir: Path
) -> int:
    """Load [start, end) with one rest_api run per window; returns the number of runs."""
    pipeline = dlt.pipeline(
        pipeline_name="atlas_billing_rest_api_peer",
        destination=dlt.destinations.duckdb(credentials=str(duckdb_path)),
        dataset_name=DATASET,
        pipelines_dir=str(pipelines_dir),
    )
    runs = 0
    for window in windows(start, end):
        source = rest_api_source(
            rest_api_config(base_url, api_key, window),  # type: ignore[arg-type]
            name="atlas_billing_rest_api",
            parallelized=True,
        )
        pipeline.run(source, loader_file_format="parquet")
        runs += 1
    return runs
