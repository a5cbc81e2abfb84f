"""What the resources share: which days to read, how to cut them into requests, how to read
many requests at once with flat memory, and the counters a run reports."""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Collection, Iterator, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from itertools import islice, product
from typing import Any, TypeVar, cast

import dlt
import pyarrow as pa

from sources.atlas_billing import mapping, settings
from sources.atlas_billing.client import (
    AtlasBillingClient,
    PageReader,
    QueryParams,
    RequestStats,
)
from sources.atlas_billing.errors import AtlasApiError, AtlasBillingError, ConfigurationError

T = TypeVar("T")
ONE_DAY = timedelta(days=1)


def parse_day(value: str | date | None, name: str) -> date | None:
    """A `YYYY-MM-DD` setting as a date; a clear ConfigurationError when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigurationError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from None


@dataclass(frozen=True)
class DayRange:
    """Days `start` (inclusive) to `end` (exclusive), UTC."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __iter__(self) -> Iterator[date]:
        day = self.start
        while day < self.end:
            yield day
            day += ONE_DAY

    def __str__(self) -> str:
        return f"{self.start}..{self.end - ONE_DAY}"


def days_to_read(
    *,
    closed_through: date | None,
    start_date: date,
    end_date: date | None,
    lookback_days: int | None,
    server_today: date,
    max_days: int | None = None,
) -> tuple[DayRange | None, bool]:
    """The days a resource reads this time, and whether days remain for a later call.

    From `start_date` the first time. Afterwards the last `lookback_days` closed days again (a
    closed day's cost can still change for a few days: refunds, late charges) and everything
    after them through the server's today inclusive (or `end_date`, exclusive).

    Why N closed days suffice: a restatement of day D lands within N days of D closing, before
    D + 1 + N (00:00). The last run stopped at a moment on its server day R - 1 (or later) and
    recorded closed_through = R - 2 (or later); a restatement that landed since then, after
    R - 1 00:00, is of a day D > R - 2 - N, so D >= closed_through + 1 - N. Runs further apart
    record an older closed_through and read further back on their own. `lookback_days=None`
    goes on right after the last closed day (the later chunks of one backfill). `max_days` caps
    one call, so a backfill can commit in chunks; a remainder shorter than a quarter of a chunk
    rides along with the chunk before it rather than cost a load of its own (a 2-year backfill
    in 720-day chunks is one load of 730 days, not 720 and then 10).
    """
    start = start_date
    if closed_through is not None:
        if lookback_days is None:
            start = max(start_date, closed_through + ONE_DAY)
        else:
            start = max(
                start_date, closed_through + ONE_DAY - timedelta(days=max(0, lookback_days))
            )
    end = server_today + ONE_DAY
    if end_date is not None:
        end = min(end, end_date)
    if start >= end:
        return None, False
    if max_days is not None and (end - start).days - max_days >= max(1, max_days // 4):
        return DayRange(start, start + timedelta(days=max_days)), True
    return DayRange(start, end), False


def windows(days: DayRange, window_days: int) -> list[DayRange]:
    """`days` cut into consecutive request windows of at most `window_days` (≤ the API's 180)."""
    size = timedelta(days=max(1, min(window_days, settings.MAX_WINDOW_DAYS)))
    cuts = []
    start = days.start
    while start < days.end:
        end = min(start + size, days.end)
        cuts.append(DayRange(start, end))
        start = end
    return cuts


def window_params(window: DayRange) -> list[tuple[str, str]]:
    """The query parameters of a date window (`end_date` exclusive, as the API defines it)."""
    return [("start_date", window.start.isoformat()), ("end_date", window.end.isoformat())]


def filter_batches(
    *,
    model_ids: Sequence[str] | None,
    api_key_ids: Sequence[str] | None,
    model_types: Sequence[str] | None,
) -> list[list[tuple[str, str]]]:
    """The filter parameters of each request needed to cover the filters within the API's limits.

    Lists longer than a request may carry (100 ids, 3 model types) are cut into batches and the
    batches of different filters combined, so every (model, key, type) falls in exactly one
    request: the results add up without counting anything twice.
    """

    def batches(name: str, values: Sequence[str] | None, size: int) -> list[list[tuple[str, str]]]:
        unique = list(dict.fromkeys(_checked_filter(name.removesuffix("[]"), values)))
        if not unique:
            return [[]]
        return [[(name, v) for v in unique[i : i + size]] for i in range(0, len(unique), size)]

    combined = product(
        batches("model_ids[]", model_ids, settings.MAX_IDS_PER_REQUEST),
        batches("api_key_ids[]", api_key_ids, settings.MAX_IDS_PER_REQUEST),
        batches("model_types[]", model_types, settings.MAX_MODEL_TYPES_PER_REQUEST),
    )
    return [[*a, *b, *c] for a, b, c in combined]


def _checked_filter(name: str, values: Sequence[str] | None) -> list[str]:
    """A filter's values, or a ConfigurationError naming the first that the API cannot take."""
    checked = []
    for value in values or []:
        if isinstance(value, str) and value.startswith(settings.API_KEY_PREFIX):
            # never echoed, and never sent: it would end up in URLs and logs
            raise ConfigurationError(
                f"{name} holds an API key secret; list API key public ids (ak_...) instead"
            )
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(f"{name} must be a list of non-empty strings, got {value!r}")
        if "," in value:
            raise ConfigurationError(
                f"{name} holds {value!r}: give each value as its own list item,"
                f' e.g. {name} = ["a", "b"]'
            )
        if name == "api_key_ids" and not value.startswith("ak_"):
            raise ConfigurationError(
                f"api_key_ids takes API key public ids starting with 'ak_', got {value!r}"
            )
        checked.append(value)
    return checked


@dataclass
class ResourceProgress:
    """How far one resource got in this run."""

    windows_planned: int = 0
    windows_done: int = 0
    pages: int = 0
    rows: int = 0
    days: DayRange | None = None
    """The days of the current load."""
    first_day: date | None = None
    last_day: date | None = None
    more_to_read: bool = False


@dataclass
class LoadProgress:
    """Counters of one run, shared by the client, the resources and whoever reports progress.

    `on_change` is called (from the extracting thread or a reader thread) with a one-line message
    whenever a resource has read a window.
    """

    requests: RequestStats = field(default_factory=RequestStats)
    resources: dict[str, ResourceProgress] = field(default_factory=dict)
    on_change: Callable[[str], None] | None = None
    server_today: date | None = None
    """The server's today as the run's first load found it; its later loads plan with it."""
    balance_snapshot: tuple[pa.Table, pa.Table] | None = None
    """The run's balance snapshot and cost observations, taken with the server's today and
    loaded by the run's last load."""
    balance_in_load: bool = False
    """Whether a load of this run carries the balance snapshot: the load of the run's last days,
    or, where that load could not take it, the snapshot's own load at the end."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def resource(self, name: str) -> ResourceProgress:
        with self._lock:
            return self.resources.setdefault(name, ResourceProgress())

    def planned(self, name: str, days: DayRange | None, n_windows: int, more: bool) -> None:
        with self._lock:
            progress = self.resources.setdefault(name, ResourceProgress())
            progress.days = days
            progress.windows_planned += n_windows
            progress.more_to_read = more
            if days is not None:
                last = days.end - ONE_DAY
                progress.first_day = min(progress.first_day or days.start, days.start)
                progress.last_day = max(progress.last_day or last, last)

    def page_read(self, name: str) -> None:
        with self._lock:
            self.resources.setdefault(name, ResourceProgress()).pages += 1

    def rows_read(self, name: str, rows: int) -> None:
        with self._lock:
            self.resources.setdefault(name, ResourceProgress()).rows += rows

    def window_done(self, name: str, window: DayRange) -> None:
        with self._lock:
            progress = self.resources.setdefault(name, ResourceProgress())
            progress.windows_done += 1
            message = (
                f"{name}: read {window} ({progress.windows_done}/{progress.windows_planned}"
                f" windows, {progress.pages} pages, {progress.rows} rows so far;"
                f" {self.requests.requests} requests, {self.requests.retries} retries)"
            )
        if self.on_change is not None:
            self.on_change(message)

    @property
    def more_to_read(self) -> bool:
        """Whether a resource stopped at `max_days` with days still to read."""
        with self._lock:
            return any(p.more_to_read for p in self.resources.values())


_DONE = object()


class FirstFailure:
    """The first error of any reading of a run, shared by its resources' readings.

    dlt reads the resources side by side in threads of its own, and once one of them failed it
    gives the others 2 s to finish. A reading still waiting for its requests (a slow API: each
    attempt waits its timeout, and is retried) would outlast that, and dlt would log an error
    beside the one that stopped the run. So once one reading failed, the others stop too, with
    the same error: whichever dlt reports, the run's error line is the same.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.error: BaseException | None = None

    def note(self, error: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = error


def read_concurrently(
    jobs: Sequence[Callable[[], Iterator[T]]],
    max_in_flight: int,
    first_failure: FirstFailure | None = None,
) -> Iterator[T]:
    """Run each job (an iterator, e.g. the pages of one request chain) in a thread, yielding
    their items as they come.

    At most `max_in_flight` jobs run at once, and a bounded queue between the threads and the
    consumer keeps memory flat however many pages the jobs produce. The first error of any job
    is raised here, and noted in `first_failure`; one noted there by another reading is raised
    here too, within a tenth of a second (see `FirstFailure`). Closing the iterator stops the
    remaining jobs.
    """
    if not jobs:
        return
    # one job runs in a thread too: the consumer, one of dlt's threads, must be free to stop
    workers = max(1, min(max_in_flight, len(jobs)))
    items: queue.Queue[object] = queue.Queue(maxsize=2 * workers)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run(job: Callable[[], Iterator[T]]) -> None:
        try:
            for item in job():
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            put(_Failure(exc))
        finally:
            put(_DONE)

    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="atlas-billing")
    try:
        for job in jobs:
            executor.submit(run, job)
        remaining = len(jobs)
        while remaining:
            # checked before every item, not only when the queue is empty: a reading whose
            # pages keep coming stops as soon as one that waits does
            if first_failure is not None and first_failure.error is not None:
                raise first_failure.error from None
            try:
                item = items.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is _DONE:
                remaining -= 1
            elif isinstance(item, _Failure):
                if first_failure is not None:
                    first_failure.note(item.error)
                raise item.error
            else:
                yield item  # type: ignore[misc]
    finally:
        stop.set()
        # threads still inside a request finish it on their own; nobody waits for them
        executor.shutdown(wait=False, cancel_futures=True)


def in_groups(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last may be shorter); a list is let go of before the next
    is gathered."""
    while group := list(islice(items, size)):
        yield group
        del group


@dataclass
class _Failure:
    error: BaseException


def batched(tables: Iterator[pa.Table], rows: int = settings.ROWS_PER_ITEM) -> Iterator[pa.Table]:
    """Pages gathered into tables of about `rows` rows (dlt's cost is per item, not per row).

    Pages whose extra columns do not line up are promoted to one schema (missing columns null).
    """
    pending: list[pa.Table] = []
    count = 0
    for table in tables:
        pending.append(table)
        count += table.num_rows
        if count >= rows:
            yield _concat(pending)
            pending, count = [], 0
    if pending:
        yield _concat(pending)


_KNOWN_COLUMNS = set(mapping.COSTS_SCHEMA.names) | set(mapping.USAGE_SCHEMA.names)


def _concat(tables: list[pa.Table]) -> pa.Table:
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # an extra field typed differently on two pages: text holds both
        widened = [
            t.cast(
                pa.schema(
                    [
                        f if f.name in _KNOWN_COLUMNS else pa.field(f.name, pa.string())
                        for f in t.schema
                    ]
                )
            )
            for t in tables
        ]
        return pa.concat_tables(widened, promote_options="permissive")


def resource_state() -> MutableMapping[str, Any]:
    """The dlt state of the resource being extracted (call it from inside the resource)."""
    return cast(MutableMapping[str, Any], dlt.current.resource_state())


def _digest(filters: list[list[tuple[str, str]]]) -> str:
    """A short fingerprint of the filters ("none" without any)."""
    if filters == [[]]:
        return "none"
    text = repr(sorted(sorted(batch) for batch in filters))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def query(*pairs: Sequence[tuple[str, str]]) -> QueryParams:
    """Concatenate parameter lists into one query."""
    return [pair for part in pairs for pair in part]


class AggregatePacer:
    """Spreads the aggregate requests (daily totals, model types) over the reading of pages.

    An aggregate over a 180-day window takes the API as long as dozens of pages, and a server
    that answers a client's requests in turn holds the pages asked for meanwhile behind it. Sent
    at the start of a run, side by side, they kept the pages, and so the mapping and writing of
    rows, waiting for seconds. While pages are being read (`reading_pages`), an aggregate request
    waits until no other is in flight and `pages_per_aggregate` pages have been read since the
    last one went out, so each costs the reading little; once no pages are read, they all go.
    Once a page reader stopped on an error, they all go too: the run is ending, and an aggregate
    held for its turn would keep dlt from closing its threads in time (dlt then logs an error
    beside the one that stopped the run).
    """

    def __init__(
        self,
        pages_per_aggregate: int = settings.PAGES_PER_AGGREGATE,
        max_wait_seconds: float = settings.AGGREGATE_MAX_WAIT_SECONDS,
    ) -> None:
        self._cond = threading.Condition()
        self._pages_per_aggregate = pages_per_aggregate
        self._max_wait = max_wait_seconds
        self._readers = 0
        self._pages = 0
        self._in_flight = 0
        self._failed = False

    @contextmanager
    def reading_pages(self) -> Iterator[None]:
        """Marks a resource reading pages (model_costs, model_usage) for as long as it runs."""
        with self._cond:
            self._readers += 1
        failed = True
        try:
            yield
            failed = False
        finally:
            with self._cond:
                self._readers -= 1
                self._failed = self._failed or failed
                self._cond.notify_all()

    def page_read(self) -> None:
        with self._cond:
            self._pages += 1
            if self._pages == self._pages_per_aggregate:
                self._cond.notify_all()

    @contextmanager
    def aggregate(self) -> Iterator[None]:
        """Holds an aggregate request until its turn (see the class)."""
        with self._cond:
            self._cond.wait_for(
                lambda: (
                    self._readers <= 0
                    or self._failed
                    or (self._in_flight == 0 and self._pages >= self._pages_per_aggregate)
                ),
                timeout=self._max_wait,
            )
            self._in_flight += 1
            self._pages = 0
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()


@dataclass(frozen=True)
class ReadSettings:
    """What to read, as the source was configured."""

    scope: str
    grain: str
    start_date: date | None
    end_date: date | None
    lookback_days: int
    read_lookback: bool
    page_size: int
    window_days: int
    max_days: int | None
    max_in_flight: int
    filters: list[list[tuple[str, str]]]
    """Filter parameters per request batch (see `filter_batches`); `[[]]` without filters."""
    load_balance: bool = False
    """Whether the run takes a balance snapshot: its response then tells the server's clock."""


def prepare_arrow_conversion() -> None:
    """Have pyarrow convert a Python value once.

    The first conversion imports pandas when it is installed (pyarrow checks whether a value is
    one of its types): ~0.2 s holding the GIL. Done while the run's first request is in flight,
    the run waits only for what the answer does not cover; done by the first table built
    afterwards (the balance snapshot's), it held up every resource's first page by all of it.
    """
    pa.array([0])


class BillingReader:
    """Reads the billing endpoints for the resources: plans days, cuts windows and batches,
    runs request chains concurrently, and notes which days the API still calls partial."""

    def __init__(
        self, client: AtlasBillingClient, read: ReadSettings, progress: LoadProgress
    ) -> None:
        self.client = client
        self.read = read
        self.progress = progress
        self._lock = threading.Lock()
        self._clock_lock = threading.Lock()
        """Held while the run's clock and balance snapshot are taken (reading takes `_lock`)."""
        self._server_today: date | None = None
        self._clock_error: AtlasBillingError | None = None
        self._first_partial: dict[str, date] = {}
        self.pacer = AggregatePacer()
        self.first_failure = FirstFailure()
        self._plans = threading.Condition()
        self._planned: set[str] = set()
        """Resources of this load that planned their days (or failed to)."""

    # -- planning ---------------------------------------------------------------------------

    def server_today(self, probe_day: date) -> date:
        """The server's current UTC day, from the `Date` header of one response.

        Asked once per run: the later loads of a chunked backfill plan with the same day. With
        a balance snapshot to take, the snapshot is that response (taken now, loaded by the
        run's last load); otherwise one small /model-costs request asks the clock.
        """
        with self._clock_lock:
            if self._server_today is None:
                self._server_today = self.progress.server_today
            if self._server_today is not None:
                return self._server_today
            if self._clock_error is not None:  # the resources reading side by side share it
                raise self._clock_error
            # every resource waits for this answer: meanwhile, ready what the mapping needs next
            # (not a daemon: a run that fails at once waits for it instead of exiting mid-import)
            threading.Thread(target=prepare_arrow_conversion, name="atlas-billing-prepare").start()
            try:
                now = self._balance_time() if self.read.load_balance else None
                if now is None:
                    now = self._probe_clock(probe_day)
            except AtlasBillingError as exc:
                self._clock_error = exc
                raise
            self._server_today = self.progress.server_today = now.date()
            self._check_start(self._server_today)
            return self._server_today

    def _balance_time(self) -> datetime | None:
        """The time of the run's balance snapshot, or None when the key may not read the balance:
        the days are read first then, and the snapshot's own load says what is missing."""
        try:
            snapshot, _ = self._take_balance()
        except AtlasApiError as exc:
            if exc.status == 403:
                return None
            raise
        return cast(datetime, snapshot.column("snapshot_at")[0].as_py())

    def _probe_clock(self, probe_day: date) -> datetime:
        params = [
            *window_params(DayRange(probe_day, probe_day + ONE_DAY)),
            ("scope", self.read.scope),
            ("limit", "1"),
        ]
        try:
            return self.client.get("/model-costs", params).require_server_time()
        except AtlasApiError as exc:
            # a start in the server's future is the user's mistake, not the API's
            if exc.status == 400 and self.client.last_server_time is not None:
                self._check_start(self.client.last_server_time.date())
            raise

    def _check_start(self, today: date) -> None:
        start = self.read.start_date
        if start is not None and start > today:
            raise ConfigurationError(
                f"start_date {start} is in the future: the API's today is {today}"
            )

    def plan(self, name: str, state: MutableMapping[str, Any]) -> list[DayRange]:
        """The request windows a resource reads now, from its state (the last closed day).

        A table loaded with another grain, scope or filters would mix rows of both, so that is
        refused until a full refresh.
        """
        try:
            return self._plan(name, state)
        finally:
            with self._plans:
                self._planned.add(name)
                self._plans.notify_all()

    def last_load(self, names: Collection[str], timeout: float) -> bool:
        """Whether the load of these resources reads the last of their days: waits (at most
        `timeout` seconds, else False) until each has planned its days."""
        with self._plans:
            planned = self._plans.wait_for(lambda: self._planned >= set(names), timeout)
        return planned and not self.progress.more_to_read

    def _plan(self, name: str, state: MutableMapping[str, Any]) -> list[DayRange]:
        loaded_as, asked = state.get("loaded_as"), self._loaded_as(name)
        if loaded_as is not None and "row_key" in asked and "row_key" not in loaded_as:
            raise ConfigurationError(
                f"{name} was loaded by an earlier version of this source, which stored row_key in"
                " the table (dbt's staging models now derive it): load it again from start_date"
                " with a full refresh (atlas-billing run --full-refresh)"
            )
        if loaded_as is not None and loaded_as != asked:
            changed = ", ".join(
                f"{key} {loaded_as.get(key)!r} -> {value!r}"
                for key, value in asked.items()
                if loaded_as.get(key) != value
            )
            raise ConfigurationError(
                f"{name} was loaded with other settings ({changed}); its rows would mix with"
                " the new ones: load it again from start_date with a full refresh"
                " (atlas-billing run --full-refresh), or keep the settings"
            )
        closed = parse_day(state.get("closed_through"), f"{name} state closed_through")
        start = self.read.start_date
        loaded_from = parse_day(state.get("loaded_from"), f"{name} state loaded_from")
        if closed is not None and start is not None and loaded_from and start < loaded_from:
            # later runs go on from closed_through: the days before the first load would never
            # be read, and the tables would look complete from start_date
            raise ConfigurationError(
                f"start_date {start} is before {loaded_from}, where the first load began; the"
                " days in between are not read by later runs: load again from start_date with a"
                " full refresh (atlas-billing run --full-refresh), or keep start_date at"
                f" {loaded_from} or later"
            )
        if closed is None and start is None:
            raise ConfigurationError(
                "start_date is required for the first run (the first day to load, YYYY-MM-DD)"
            )
        probe_day = start if closed is None else closed  # a day the API has data for
        assert probe_day is not None
        days, more = days_to_read(
            closed_through=closed,
            start_date=start or date.min,
            end_date=self.read.end_date,
            lookback_days=self.read.lookback_days if self.read.read_lookback else None,
            server_today=self.server_today(probe_day),
            max_days=self.read.max_days,
        )
        cuts = windows(days, self.read.window_days) if days else []
        self.progress.planned(name, days, len(cuts), more)
        return cuts

    def record(self, name: str, cuts: Sequence[DayRange], state: MutableMapping[str, Any]) -> None:
        """Write into the resource's state how far it got, with which settings, and (on its
        first load) the day it was loaded from."""
        if cuts and state.get("closed_through") is None:
            state["loaded_from"] = cuts[0].start.isoformat()
        state["closed_through"] = self.closed_through(name, cuts, state.get("closed_through"))
        state["loaded_as"] = self._loaded_as(name)

    def _loaded_as(self, name: str) -> dict[str, str]:
        settings_used = {"scope": self.read.scope, "filters": _digest(self.read.filters)}
        if name in ("model_costs", "model_usage"):
            settings_used["grain"] = self.read.grain
            # not a setting: the tables' layout (row_key is no longer loaded), so that a table
            # loaded with it is refused with a way out instead of failing on its NOT NULL column
            settings_used["row_key"] = "derived in dbt"
        return settings_used

    def closed_through(
        self, name: str, cuts: Sequence[DayRange], previous: str | None
    ) -> str | None:
        """The last day up to which everything `name` read was closed (`partial: false`)."""
        if not cuts:
            return previous
        end = cuts[-1].end
        with self._lock:
            first_partial = self._first_partial.get(name)
        last_closed = (min(end, first_partial) if first_partial else end) - ONE_DAY
        if previous is not None and date.fromisoformat(previous) > last_closed:
            return previous
        return last_closed.isoformat()

    # -- reading ----------------------------------------------------------------------------

    def _pages(
        self,
        name: str,
        endpoint: str,
        window: DayRange,
        params: QueryParams,
        typed: PageReader | None = None,
        *,
        paced: bool = False,
    ) -> Iterator[tuple[Any, list[mapping.Bucket]]]:
        """Each page of one request chain with its checked buckets; notes partial days.

        `typed`: read the pages with this reader (`mapping.read_typed`); they count as pages read
        for the `pacer`. `paced`: an aggregate, each request of which waits for its turn
        (`AggregatePacer`).
        """
        responses = self.client.pages(endpoint, params, typed=typed)
        while True:
            if paced:
                with self.pacer.aggregate():
                    response = next(responses, None)
            else:
                response = next(responses, None)
            if response is None:
                return
            if typed is not None:
                self.pacer.page_read()
            self.progress.page_read(name)
            buckets = mapping.parse_buckets(response)
            for bucket in buckets:
                if not window.start <= bucket.date < window.end:
                    raise mapping.violation(
                        response, f"{bucket.field}.date", f"{bucket.date} is outside {window}"
                    )
                if bucket.partial:
                    with self._lock:
                        known = self._first_partial.get(name)
                        if known is None or bucket.date < known:
                            self._first_partial[name] = bucket.date
            yield response, buckets

    def _query(self, window: DayRange, *parts: Sequence[tuple[str, str]]) -> QueryParams:
        return query(
            window_params(window),
            [("scope", self.read.scope)],
            *parts,
            [("limit", str(self.read.page_size))],
        )

    def grouped_tables(
        self,
        name: str,
        endpoint: str,
        kind: str,
        cuts: Sequence[DayRange],
        *,
        day_markers: bool = True,
    ) -> Iterator[pa.Table]:
        """Arrow tables of /model-costs or /model-usage at the configured grain.

        With `day_markers`, each window starts with one marker row per day, so the load replaces
        those days whole.
        """
        group_by = [("group_by[]", key) for key in settings.GRAINS[self.read.grain]]
        typed = mapping.read_typed(kind)
        columns = mapping.ColumnsOfATable()  # unknown fields' columns, across every chain

        def window_job(window: DayRange) -> Callable[[], Iterator[pa.Table]]:
            def run() -> Iterator[pa.Table]:
                if day_markers:
                    yield mapping.day_markers_table(window, kind)
                for batch in self.read.filters:
                    params = self._query(window, group_by, batch)
                    groups = mapping.GroupsOfADay(self.read.grain)
                    pages = self._pages(name, endpoint, window, params, typed)
                    # map() holds no group once mapped: the decoded pages (structs)
                    # go while their tables wait for dlt and the next group is read
                    mapped = partial(
                        mapping.pages_tables,
                        kind=kind,
                        grain=self.read.grain,
                        groups=groups,
                        columns=columns,
                    )
                    for tables in map(mapped, in_groups(pages, settings.PAGES_PER_MAPPING)):
                        for table in tables:
                            self.progress.rows_read(name, table.num_rows)
                            if table.num_rows:
                                yield table
                self.progress.window_done(name, window)

            return run

        yield from batched(
            read_concurrently(
                [window_job(w) for w in cuts], self.read.max_in_flight, self.first_failure
            )
        )

    def daily_totals(self, name: str, cuts: Sequence[DayRange]) -> Iterator[pa.Table]:
        """One table per window: the ungrouped cost of each day, summed over filter batches."""
        columns = mapping.ColumnsOfATable()  # unknown fields' columns, across every chain

        def window_job(window: DayRange) -> Callable[[], Iterator[pa.Table]]:
            def run() -> Iterator[pa.Table]:
                rows = self._day_totals(name, window, paced=True, columns=columns)
                if rows:
                    self.progress.rows_read(name, len(rows))
                    yield mapping.daily_totals_table(rows)
                self.progress.window_done(name, window)

            return run

        yield from read_concurrently(
            [window_job(w) for w in cuts], self.read.max_in_flight, self.first_failure
        )

    def _day_totals(
        self,
        name: str,
        window: DayRange,
        *,
        paced: bool = False,
        columns: mapping.ColumnsOfATable | None = None,
    ) -> list[dict[str, Any]]:
        """The ungrouped /model-costs amount of each day of `window`, summed over filter batches
        (zero for a day without costs), as daily totals rows in date order. `paced`: see
        `_pages` (the balance's recent days are taken before any page is read). `columns`: the
        columns of the unknown fields of the table's other windows (`bucket_extra_columns`)."""
        rows: dict[date, dict[str, Any]] = {}
        for batch in self.read.filters:
            params = self._query(window, batch)
            for response, buckets in self._pages(name, "/model-costs", window, params, paced=paced):
                scope = mapping.response_scope(response)
                for bucket, amount, currency in mapping.bucket_totals(response, buckets):
                    row = rows.setdefault(
                        bucket.date,
                        {"date": bucket.date, "scope": scope, "amount_usd": Decimal(0)},
                    )
                    row["amount_usd"] += amount
                    if currency and row.get("currency") not in (None, currency):
                        raise mapping.violation(
                            response,
                            f"{bucket.field}.results",
                            f"are in {currency!r}, the day's other amounts in"
                            f" {row['currency']!r}: a total would mix currencies",
                        )
                    row["currency"] = currency or row.get("currency")
                    row["partial"] = bucket.partial or row.get("partial", False)
                    row["covered_until"] = bucket.covered_until
                    # fields the contract does not name: as the first batch gives them
                    extra = mapping.bucket_extra_columns(response, bucket, columns)
                    for column, value in extra.items():
                        row.setdefault(column, value)
        return [rows[day] for day in sorted(rows)]

    def models(self, name: str, cuts: Sequence[DayRange]) -> Iterator[pa.Table]:
        """model -> model_type for every model with costs in the windows.

        A result grouped by model carries no model_type, so the types come first (grouped by
        model_type) and then the models of each type (filtered by it), whatever the type is called.
        """

        def window_job(window: DayRange) -> Callable[[], Iterator[dict[str, str | None]]]:
            def run() -> Iterator[dict[str, str | None]]:
                found: dict[str, str | None] = {}
                for batch in self.read.filters:
                    types: set[str | None] = set()
                    params = self._query(window, [("group_by[]", "model_type")], batch)
                    for response, buckets in self._pages(
                        name, "/model-costs", window, params, paced=True
                    ):
                        types.update(mapping.group_values(response, buckets, "model_type"))
                    ids = [pair for pair in batch if pair[0] != "model_types[]"]
                    for model_type in sorted(t for t in types if t is not None):
                        params = self._query(
                            window,
                            [("group_by[]", "model"), ("model_types[]", model_type)],
                            ids,
                        )
                        for response, buckets in self._pages(
                            name, "/model-costs", window, params, paced=True
                        ):
                            for model in mapping.group_values(response, buckets, "model"):
                                if model is not None:
                                    found[model] = model_type
                if found:
                    yield found
                self.progress.window_done(name, window)

            return run

        seen: dict[str, str | None] = {}
        for found in read_concurrently(
            [window_job(w) for w in cuts], self.read.max_in_flight, self.first_failure
        ):
            new = {model: kind for model, kind in found.items() if seen.get(model, "") != kind}
            if new:
                seen.update(new)
                self.progress.rows_read(name, len(new))
                yield mapping.models_table(new)

    def balance(self) -> tuple[pa.Table, pa.Table]:
        """The run's balance snapshot (see `_take_balance`): the one taken when the run asked
        the server's clock, else one taken now."""
        with self._clock_lock:
            return self._take_balance()

    def _take_balance(self) -> tuple[pa.Table, pa.Table]:
        """A balance snapshot, and the ungrouped cost of each recent day as it stood at that moment.

        The days are the server's today and the `lookback_days + 1` days before it: every day
        whose cost may still be restated after the snapshot (a refund or late charge moves the
        balance when it happens), so the reconciliation can tell which interval a restatement
        fell in. The partial day's cost also goes on the snapshot row (`partial_day_*`).
        Same scope and filters as the costs. Taken once per run (kept in the run's progress).
        """
        if self.progress.balance_snapshot is not None:
            return self.progress.balance_snapshot
        balance = self.client.get("/balance")
        snapshot_at = balance.require_server_time()
        today = snapshot_at.date()
        observed = DayRange(today - timedelta(days=self.read.lookback_days + 1), today + ONE_DAY)
        totals = [
            row
            for window in windows(observed, self.read.window_days)
            for row in self._day_totals("balance_snapshots", window)
        ]
        partial_day = next((row for row in totals if row["date"] == today), {})
        snapshot = mapping.balance_table(
            balance,
            costs_scope=self.read.scope,
            costs_filtered=self.read.filters != [[]],
            partial_day=today,
            partial_day_cost=partial_day.get("amount_usd"),
            partial_day_covered_until=partial_day.get("covered_until"),
        )
        taken = snapshot, mapping.cost_observations_table(snapshot_at, totals)
        self.progress.balance_snapshot = taken
        return taken
