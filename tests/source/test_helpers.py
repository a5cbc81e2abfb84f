"""Which days a run reads, how they are cut into requests the API accepts, and the concurrent
reader that keeps memory flat."""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest

from sources.atlas_billing.helpers import (
    AggregatePacer,
    DayRange,
    FirstFailure,
    days_to_read,
    filter_batches,
    in_groups,
    read_concurrently,
    windows,
)

TODAY = date(2026, 5, 10)


def read(**overrides: object) -> tuple[DayRange | None, bool]:
    options: dict = {
        "closed_through": None,
        "start_date": date(2025, 1, 1),
        "end_date": None,
        "lookback_days": 3,
        "server_today": TODAY,
    }
    options.update(overrides)
    return days_to_read(**options)


def test_the_first_run_reads_from_the_start_through_the_servers_today() -> None:
    assert read() == (DayRange(date(2025, 1, 1), TODAY + timedelta(1)), False)


def test_later_runs_read_the_last_lookback_days_closed_days_again() -> None:
    days, more = read(closed_through=TODAY - timedelta(1))

    # the 3 closed days up to the last one (TODAY - 3 .. TODAY - 1), then today
    assert days == DayRange(TODAY - timedelta(3), TODAY + timedelta(1)) and not more


def test_without_the_lookback_a_run_goes_on_after_the_last_closed_day() -> None:
    days, _ = read(closed_through=date(2025, 6, 30), lookback_days=None)

    assert days is not None and days.start == date(2025, 7, 1)


def test_the_lookback_never_reaches_before_the_start_date() -> None:
    days, _ = read(closed_through=date(2025, 1, 2))

    assert days is not None and days.start == date(2025, 1, 1)


def test_an_end_date_stops_the_range_and_nothing_is_left_once_it_is_reached() -> None:
    days, _ = read(end_date=date(2025, 3, 1))
    assert days == DayRange(date(2025, 1, 1), date(2025, 3, 1))

    assert read(
        end_date=date(2025, 3, 1), closed_through=date(2025, 2, 28), lookback_days=None
    ) == (
        None,
        False,
    )


def test_max_days_cuts_a_backfill_into_chunks() -> None:
    days, more = read(max_days=100)

    assert days == DayRange(date(2025, 1, 1), date(2025, 4, 11)) and more


def test_a_remainder_shorter_than_a_quarter_chunk_rides_along_with_the_last_chunk() -> None:
    # 2025-01-01..2026-05-10 is 495 days
    assert read(max_days=400) == (DayRange(date(2025, 1, 1), TODAY + timedelta(1)), False)
    # a remainder of exactly a quarter (99 of 396) gets a load of its own
    days, more = read(max_days=396)
    assert days == DayRange(date(2025, 1, 1), date(2026, 2, 1)) and more
    # one-day chunks stay one day
    assert read(max_days=1) == (DayRange(date(2025, 1, 1), date(2025, 1, 2)), True)


def test_windows_are_at_most_180_days_and_cover_the_range_exactly() -> None:
    days = DayRange(date(2024, 1, 1), date(2026, 5, 11))

    cuts = windows(days, 180)

    assert all(1 <= cut.days <= 180 for cut in cuts)
    assert cuts[0].start == days.start and cuts[-1].end == days.end
    assert all(a.end == b.start for a, b in itertools.pairwise(cuts))
    assert windows(days, 1000) == cuts  # never more than the API takes


def test_long_id_filters_are_batched_and_every_combination_requested_once() -> None:
    models = [f"m{n}" for n in range(150)]
    keys = [f"ak_{n}" for n in range(250)]

    batches = filter_batches(model_ids=models, api_key_ids=keys, model_types=None)

    assert len(batches) == 2 * 3
    seen = [
        (m, k)
        for b in batches
        for m in (v for n, v in b if n == "model_ids[]")
        for k in (v for n, v in b if n == "api_key_ids[]")
    ]
    assert len(seen) == len(set(seen)) == 150 * 250
    assert all(sum(n == "model_ids[]" for n, _ in b) <= 100 for b in batches)
    assert all(sum(n == "api_key_ids[]" for n, _ in b) <= 100 for b in batches)


def test_more_than_three_model_types_are_split_and_no_filter_is_one_request() -> None:
    batches = filter_batches(
        model_ids=None, api_key_ids=None, model_types=["text", "image", "video", "audio"]
    )
    assert [len(b) for b in batches] == [3, 1]
    assert filter_batches(model_ids=None, api_key_ids=None, model_types=None) == [[]]


def test_a_group_of_pages_is_let_go_of_before_the_next_is_gathered() -> None:
    class Page:  # stands for a decoded page, which holds its bytes and structs
        pass

    gathered: list[list[weakref.ref[Page]]] = []

    def pages() -> Iterator[Page]:
        for n in range(6):
            if n == 2:  # the first group is mapped and dropped by now, and must be gone
                gathered.append([ref for ref in refs if ref() is not None])
            yield Page()

    groups = in_groups(pages(), 2)
    first = next(groups)
    refs = [weakref.ref(page) for page in first]
    del first
    assert [len(group) for group in groups] == [2, 2]
    assert gathered == [[]]


def test_concurrent_reading_yields_everything_and_holds_few_items_at_once() -> None:
    produced = threading.Semaphore(0)
    in_hand = {"max": 0, "now": 0}
    lock = threading.Lock()

    def job(n: int) -> Iterator[int]:
        for i in range(50):
            with lock:
                in_hand["now"] += 1
                in_hand["max"] = max(in_hand["max"], in_hand["now"])
            produced.release()
            yield n * 100 + i

    items = []
    for item in read_concurrently([lambda n=n: job(n) for n in range(6)], max_in_flight=3):
        with lock:
            in_hand["now"] -= 1
        time.sleep(0.0005)  # a slow consumer
        items.append(item)

    assert sorted(items) == sorted(n * 100 + i for n in range(6) for i in range(50))
    # a bounded queue: the producers wait for the consumer instead of piling pages up
    assert in_hand["max"] <= 2 * 3 + 3 + 1


def test_the_first_error_of_a_job_is_raised_to_the_consumer() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("page 2 broke")

    def fine() -> Iterator[int]:
        yield from range(3)

    with pytest.raises(ValueError, match="page 2 broke"):
        list(read_concurrently([fine, broken, fine], max_in_flight=3))


def _aggregates_in_turn(
    pacer: AggregatePacer, count: int, seen: list[int], pages: list[int]
) -> list[threading.Thread]:
    """`count` threads, each sending one aggregate request when its turn comes; each notes in
    `seen` how many pages had been read then (-1 if another aggregate was in flight)."""
    in_flight = threading.Semaphore(1)

    def send() -> None:
        with pacer.aggregate():
            alone = in_flight.acquire(blocking=False)
            seen.append(len(pages) if alone else -1)
            time.sleep(0.01)
            if alone:
                in_flight.release()

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def test_aggregates_go_one_at_a_time_one_per_so_many_pages_while_pages_are_read() -> None:
    pacer = AggregatePacer(pages_per_aggregate=3, max_wait_seconds=60)
    seen: list[int] = []
    pages: list[int] = []
    with pacer.reading_pages():
        threads = _aggregates_in_turn(pacer, 3, seen, pages)
        for n in range(9):
            time.sleep(0.02)
            assert len(seen) <= n // 3  # none before its pages were read
            pages.append(n)
            pacer.page_read()
        time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=5)

    assert len(seen) == 3 and -1 not in seen
    assert all(pages_then >= 3 * (k + 1) for k, pages_then in enumerate(sorted(seen)))


def test_aggregates_all_go_once_no_pages_are_read() -> None:
    pacer = AggregatePacer(pages_per_aggregate=1000, max_wait_seconds=60)
    seen: list[int] = []
    with pacer.reading_pages():
        threads = _aggregates_in_turn(pacer, 4, seen, [])
        time.sleep(0.05)
        assert seen == []  # held while pages are read
    for thread in threads:
        thread.join(timeout=5)
    assert len(seen) == 4


def test_aggregates_all_go_once_a_page_reader_stopped_on_an_error() -> None:
    # the run is ending: an aggregate held for its turn kept dlt from closing its threads in time
    pacer = AggregatePacer(pages_per_aggregate=1000, max_wait_seconds=600)
    seen: list[int] = []
    with pacer.reading_pages():  # another resource still reading, its pages no longer consumed
        threads = _aggregates_in_turn(pacer, 3, seen, [])
        with pytest.raises(RuntimeError), pacer.reading_pages():
            time.sleep(0.05)
            assert seen == []
            raise RuntimeError("a page breaks the contract")
        for thread in threads:
            thread.join(timeout=5)
        assert len(seen) == 3  # (were it not, leaving this block would let them go)


def test_an_aggregate_is_not_held_back_for_ever_by_pages_that_stall() -> None:
    pacer = AggregatePacer(pages_per_aggregate=1000, max_wait_seconds=0.05)
    seen: list[int] = []
    with pacer.reading_pages():
        for thread in _aggregates_in_turn(pacer, 2, seen, []):
            thread.join(timeout=5)
        assert len(seen) == 2


def test_once_one_reading_failed_the_others_stop_with_its_error() -> None:
    """dlt reads resources side by side and gives the others 2 s once one failed: a reading
    waiting on a slow request must not hold its thread that long, even with one job."""
    first_failure = FirstFailure()
    release = threading.Event()

    def broken() -> Iterator[int]:
        time.sleep(0.2)
        raise ValueError("the API failed")
        yield 0  # pragma: no cover -- a generator

    def waiting() -> Iterator[int]:
        yield 1
        release.wait(10)  # a request that takes its time
        yield 2

    outcome: dict[str, object] = {}

    def consume(name: str, jobs: list[Callable[[], Iterator[int]]]) -> None:
        started = time.monotonic()
        try:
            list(read_concurrently(jobs, max_in_flight=8, first_failure=first_failure))
        except ValueError as exc:
            outcome[name] = (exc, time.monotonic() - started)

    threads = [
        threading.Thread(target=consume, args=("broken", [broken])),
        threading.Thread(target=consume, args=("waiting", [waiting])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    release.set()

    assert set(outcome) == {"broken", "waiting"}
    (error, _), (same, waited) = outcome["broken"], outcome["waiting"]
    assert same is error and first_failure.error is error
    assert waited < 2  # dlt's join


def test_a_reading_whose_pages_keep_coming_stops_too_once_another_failed() -> None:
    """The queue of a busy reading is never empty: the failure must still reach it."""
    first_failure = FirstFailure()

    def flowing() -> Iterator[int]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.005)  # a page every 5 ms, always one waiting in the queue
            yield 1

    started = time.monotonic()
    read = read_concurrently([flowing], max_in_flight=8, first_failure=first_failure)
    next(read)
    error = ValueError("the API failed")
    first_failure.note(error)
    with pytest.raises(ValueError) as raised:
        for _ in read:
            pass
    assert raised.value is error
    assert time.monotonic() - started < 2
