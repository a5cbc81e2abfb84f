"""Costs loaded with scope=self cover one user's keys, not the account: the marts show that user's
spend, and the reconciliation says it cannot reconcile instead of reporting a gap. A member whose
key cannot read the balance still gets the spend marts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from dbt_support import NOW, LoadedAccount, load_daily, rows

from pipelines.report import render_report
from simulator import AccountConfig

CONFIG = AccountConfig(seed=7, n_keys=4, n_models=4, first_day=NOW.date() - timedelta(days=60))


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedAccount]:
    loaded = load_daily(CONFIG, tmp_path_factory.mktemp("scope_self"), runs=3, scope="self")
    loaded.build()
    yield loaded


def test_spend_covers_only_the_callers_keys(account: LoadedAccount) -> None:
    keys = {
        key
        for (key,) in rows(
            account.db, "select distinct api_key_id from {models}.atlas_billing__spend_daily"
        )
    }
    assert keys <= {*account.sim.keys.admin_key_ids, None}
    assert keys & set(account.sim.keys.admin_key_ids)
    assert not keys & set(account.sim.keys.self_only_key_ids)


def test_reconciliation_says_scope_self_instead_of_reconciling(account: LoadedAccount) -> None:
    intervals = rows(
        account.db,
        "select status, model_spend_usd, other_spend_usd"
        " from {models}.atlas_billing__balance_reconciliation",
    )
    assert intervals == [("not_reconciled_scope_self", None, None)] * 2


def test_a_member_without_balance_access_still_gets_spend(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    member = load_daily(
        CONFIG, tmp_path_factory.mktemp("member"), runs=1, scope="self", member=True
    )
    member.build()

    keys = {
        key
        for (key,) in rows(
            member.db, "select distinct api_key_id from {models}.atlas_billing__spend_daily"
        )
    }
    assert keys and keys <= set(member.sim.keys.self_only_key_ids)
    assert rows(member.db, "select count(*) from {models}.atlas_billing__balance_history") == [(0,)]
    report = render_report(member.db)
    assert "Spend by API key" in report and "no balance snapshot loaded" in report
