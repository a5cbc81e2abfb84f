"""When the account also spends on DevPods, Serverless GPU or storage (money that leaves the balance
but never appears in /model-costs), the reconciliation finds exactly that amount in every
interval, and flags it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from dbt_support import NOW, LoadedAccount, load_daily_with_ledger, rows, utc

from simulator import AccountConfig

OTHER_SPEND_PER_DAY = Decimal("2.40")
"""A mean: the simulator varies it from day to day."""
CONFIG = AccountConfig(
    seed=5,
    n_keys=3,
    n_models=5,
    first_day=NOW.date() - timedelta(days=120),
    restatements=False,
    other_spend_usd_per_day=OTHER_SPEND_PER_DAY,
)


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedAccount]:
    yield load_daily_with_ledger(CONFIG, tmp_path_factory.mktemp("other_spend"), runs=6)


def test_other_spend_is_exactly_what_the_account_spent_outside_model_apis(
    account: LoadedAccount,
) -> None:
    intervals = rows(
        account.db,
        "select period_start, period_end, other_spend_usd, status"
        " from {models}.atlas_billing__balance_reconciliation order by period_start",
    )
    assert len(intervals) == 5
    spent = account.other_spend_through
    for start, end, other, status in intervals:
        injected = spent[utc(end)] - spent[utc(start)]
        assert injected > 0
        assert other == injected, (start, end)
        assert status == "unexplained_spend_above_tolerance"


def test_the_burn_rate_counts_other_spend_too(account: LoadedAccount) -> None:
    (burn,) = rows(
        account.db,
        "select burn_rate_usd_per_day from {models}.atlas_billing__balance_history"
        " order by snapshot_at desc limit 1",
    )[0]
    (model_spend,) = rows(
        account.db,
        "select sum(model_spend_usd) from {models}.atlas_billing__balance_reconciliation",
    )[0]
    times = account.snapshot_times
    other = account.other_spend_through[times[-1]] - account.other_spend_through[times[0]]
    days = Decimal(len(times) - 1)  # the trailing window (7 days) spans every interval
    assert burn == pytest.approx((model_spend + other) / days, abs=Decimal("1e-6"))
