"""The simulator: an account, its ledger, a simulated clock, and the API serving them."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from simulator.account import COUNT_FIELDS, Account, AccountConfig, Restatement
from simulator.api import BillingApi
from simulator.clock import SimClock
from simulator.days import UsageBook
from simulator.faults import FaultConfig, FaultInjector
from simulator.ledger import Ledger
from simulator.server import RunningServer

User = Literal["owner", "member"]


@dataclass(frozen=True)
class ApiKeys:
    """The API key secrets the simulator accepts, and the key IDs each user owns.

    `admin` may read account scope and the balance; `self_only` may read only scope=self (its
    own keys' usage) and gets 403 on scope=account and on /balance. Playground usage (null
    api_key_id) belongs to the account owner, i.e. to `admin`'s scope=self.
    """

    admin: str
    self_only: str
    admin_key_ids: tuple[str, ...]
    self_only_key_ids: tuple[str, ...]

    def user_of(self, secret: str) -> User | None:
        if secret == self.admin:
            return "owner"
        if secret == self.self_only:
            return "member"
        return None


@dataclass(frozen=True)
class RecordedRequest:
    """One request the simulator answered (status 0: the connection was dropped)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    status: int
    request_id: str
    fault: str | None = None


class Simulator:
    """A simulated Atlas Cloud account behind a simulated Billing Public API."""

    def __init__(
        self,
        config: AccountConfig | None = None,
        *,
        now: datetime | None = None,
        faults: FaultConfig | None = None,
        latency_ms: float = 0.0,
        ticking: bool = False,
    ) -> None:
        self.config = config or AccountConfig()
        start = now if now is not None else datetime.now(UTC).replace(microsecond=0)
        self.clock = SimClock(start, ticking=ticking)
        self.account = Account(self.config)
        self.book = UsageBook(self.account)
        self.ledger = Ledger(self.account, self.book, self.clock)
        seed = self.config.seed
        member = self.account.key_is_member
        self.keys = ApiKeys(
            admin="apikey-" + _hex(seed, "admin"),
            self_only="apikey-" + _hex(seed, "self_only"),
            admin_key_ids=tuple(
                k for k, m in zip(self.account.key_ids, member, strict=True) if not m
            ),
            self_only_key_ids=tuple(
                k for k, m in zip(self.account.key_ids, member, strict=True) if m
            ),
        )
        if faults is None:
            faults = FaultConfig(latency_ms=latency_ms)
        elif latency_ms:
            faults = dataclasses.replace(faults, latency_ms=latency_ms)
        self._faults = FaultInjector(faults)
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._request_count = 0
        self.app = BillingApi(self)

    # ---- faults ----------------------------------------------------------------------------

    @property
    def faults(self) -> FaultConfig:
        return self._faults.config

    @faults.setter
    def faults(self, config: FaultConfig) -> None:
        """Replace the fault configuration; request numbering for schedules starts again."""
        self._faults = FaultInjector(config)

    @property
    def fault_injector(self) -> FaultInjector:
        return self._faults

    # ---- serving ---------------------------------------------------------------------------

    def serve(self, port: int = 0, *, log_level: str = "warning") -> RunningServer:
        """Start the API on 127.0.0.1 (port 0: an ephemeral port); use as a context manager."""
        return RunningServer(self.app, port, log_level=log_level).start()

    def next_request_id(self) -> str:
        with self._lock:
            self._request_count += 1
            n = self._request_count
        return "req_" + _hex(self.config.seed, "request", n)[:24]

    def record(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        status: int,
        request_id: str,
        fault: str | None,
    ) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, status, request_id, fault))

    # ---- test hooks --------------------------------------------------------------------------

    def restate(
        self,
        day: date,
        api_key_id: str | None,
        model: str,
        *,
        refund_units: int = 0,
        late_units: int = 0,
        remove: bool = False,
    ) -> Restatement:
        """Restate a closed day's row now (by the clock): refund `refund_units` of the model's
        billed unit (images, videos, audio seconds; output tokens for text), charge
        `late_units` more, or with `remove` refund the whole row so it disappears."""
        now = self.clock.now()
        if day >= now.date():
            raise ValueError("only closed days (before the clock's today) can be restated")
        if (refund_units < 0 or late_units < 0) or not (refund_units or late_units or remove):
            raise ValueError("give refund_units or late_units (>= 0), or remove=True")
        pair = self.account.pair_of(api_key_id, model)
        event = Restatement(
            effective_at=now,
            day=day,
            pair=pair,
            units=late_units - refund_units,
            remove=remove,
            source="manual",
        )
        self.book.add_manual(event)
        self.ledger.invalidate_from(now.date())
        return event

    def price_of(self, model: str) -> dict[str, int]:
        """A model's unit prices in micro-dollars, by usage count name (0 entries left out)."""
        prices = self.account.models[self.account.model_index[model]].unit_prices_micros
        return {COUNT_FIELDS[i]: p for i, p in enumerate(prices) if p}

    def model_type_of(self, model: str) -> str:
        return self.account.models[self.account.model_index[model]].model_type


def _hex(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:40]


__all__ = ["ApiKeys", "RecordedRequest", "Simulator"]
