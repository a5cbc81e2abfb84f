"""Helpers for the simulator's contract tests: a small account and an HTTP client for it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx

from simulator import AccountConfig, Simulator

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
FIRST_DAY = date(2026, 1, 1)


def small_config(**overrides: Any) -> AccountConfig:
    """A small account opened on FIRST_DAY: quick to serve, with every model type."""
    values: dict[str, Any] = {"seed": 7, "n_keys": 6, "n_models": 8, "first_day": FIRST_DAY}
    values.update(overrides)
    return AccountConfig(**values)


class Api:
    """An httpx client for one served simulator, with the admin key by default."""

    def __init__(self, sim: Simulator, base_url: str) -> None:
        self.sim = sim
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def get(
        self, endpoint: str, params: Any = None, *, key: str | None = "admin", **kwargs: Any
    ) -> httpx.Response:
        headers = {}
        if key == "admin":
            headers["Authorization"] = f"Bearer {self.sim.keys.admin}"
        elif key == "self_only":
            headers["Authorization"] = f"Bearer {self.sim.keys.self_only}"
        elif key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.http.get(f"/{endpoint}", params=params, headers=headers, **kwargs)

    def pages(self, endpoint: str, params: dict[str, Any], *, key: str = "admin") -> list[dict]:
        """Every page of a list query, following next_page."""
        pages = []
        params = dict(params)
        while True:
            response = self.get(endpoint, params, key=key)
            assert response.status_code == 200, response.text
            page = response.json()
            pages.append(page)
            if not page["has_more"]:
                assert page["next_page"] is None
                return pages
            assert page["next_page"], "has_more without next_page"
            params["page"] = page["next_page"]

    def rows(self, endpoint: str, params: dict[str, Any], *, key: str = "admin") -> list[dict]:
        """All result rows of a list query, each with its bucket's date."""
        return [
            {"date": bucket["date"], **result}
            for page in self.pages(endpoint, params, key=key)
            for bucket in page["data"]
            for result in bucket["results"]
        ]
