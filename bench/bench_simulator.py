"""How fast the simulator serves a large account: rows per second over real HTTP.

The account is the issue's scale target: 1,000 API keys x 200 models x 3 years. The benchmark
pages through a 180-day window at limit=1000 for each endpoint, grouped by {model, api_key}
(the connector's default grain), for a bounded number of pages, and prints rows/s and MB/s as
the client receives them (parsed with orjson, so the client is not what limits the figure).
It also prints the cost of a cold and a warm /balance (which replays three years of ledger).

    uv run python -m bench.bench_simulator            # full: 1000 keys x 200 models, 300 pages
    uv run python -m bench.bench_simulator --quick    # a smaller account, a few pages
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from simulator import AccountConfig, Simulator

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)


def page_through(
    client: httpx.Client, endpoint: str, params: dict[str, Any], max_pages: int
) -> tuple[int, int, int, float]:
    """(rows, pages, bytes, seconds) for up to `max_pages` pages of one query."""
    params = dict(params)
    rows = pages = size = 0
    started = time.perf_counter()
    while pages < max_pages:
        response = client.get(f"/{endpoint}", params=params)
        response.raise_for_status()
        body = orjson.loads(response.content)
        pages += 1
        size += len(response.content)
        rows += sum(len(bucket["results"]) for bucket in body["data"])
        if not body["has_more"]:
            break
        params["page"] = body["next_page"]
    return rows, pages, size, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small account, few pages")
    parser.add_argument("--keys", type=int)
    parser.add_argument("--models", type=int)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--pages", type=int, help="pages per endpoint")
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()
    keys = args.keys or (100 if args.quick else 1000)
    models = args.models or (40 if args.quick else 200)
    max_pages = args.pages or (20 if args.quick else 300)

    started = time.perf_counter()
    config = AccountConfig(
        seed=11,
        n_keys=keys,
        n_models=models,
        first_day=(NOW - timedelta(days=round(365 * args.years))).date(),
        models_per_key=10.0,
    )
    sim = Simulator(config, now=NOW)
    built = time.perf_counter() - started
    pairs = len(sim.account.pair_model)
    day_rows = len(sim.account.generate_day(NOW.date() - timedelta(days=30)))
    print(
        f"account: {keys} keys x {models} models x {args.years:g} years, {pairs} (key, model) "
        f"pairs, ~{day_rows} rows a day at {{model, api_key}}; built in {built:.2f} s"
    )

    window = {
        "start_date": str(NOW.date() - timedelta(days=180)),
        "end_date": str(NOW.date()),
        "scope": "account",
        "group_by[]": ["model", "api_key"],
        "limit": args.limit,
    }
    with sim.serve() as server:
        headers = {"Authorization": f"Bearer {sim.keys.admin}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as client:
            for endpoint in ("model-costs", "model-usage"):
                rows, pages, size, seconds = page_through(client, endpoint, window, max_pages)
                print(
                    f"{endpoint:12s} 180-day window, limit={args.limit}: {rows} rows in "
                    f"{pages} pages, {seconds:.2f} s -> {rows / seconds:,.0f} rows/s, "
                    f"{pages / seconds:.1f} pages/s, {size / seconds / 1e6:.1f} MB/s"
                )
            totals = dict(window, limit=1000)
            del totals["group_by[]"]
            rows, pages, size, seconds = page_through(client, "model-costs", totals, max_pages)
            print(
                f"model-costs  daily totals over 180 days: {seconds * 1000:.0f} ms "
                f"(cold: every day aggregated once)"
            )
            for label in ("cold", "warm"):
                begun = time.perf_counter()
                client.get("/balance").raise_for_status()
                print(f"balance      {label}: {time.perf_counter() - begun:.2f} s")


if __name__ == "__main__":
    main()
