"""The marts over what the source loads with a coarser grain than the default, or with filters:
spend adds up at the grain loaded, and costs that cover part of the account are not reconciled
against its balance."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from dbt_support import NOW, load_daily, rows

from pipelines.report import render_report
from simulator import AccountConfig, Simulator

CONFIG = AccountConfig(seed=11, n_keys=3, n_models=4, first_day=NOW.date() - timedelta(days=20))


@pytest.mark.parametrize("grain", ["model", "api_key", "model_type"])
def test_spend_daily_adds_up_at_a_coarser_grain(tmp_path: Path, grain: str) -> None:
    account = load_daily(CONFIG, tmp_path, runs=1, grain=grain)
    account.build()

    loaded = rows(
        account.db,
        "select date, grain, model_type, model, api_key_id, amount_usd"
        " from atlas_billing.model_costs order by all",
    )
    built = rows(
        account.db,
        "select s.date, c.grain, c.model_type, s.model, s.api_key_id, s.cost_usd"
        " from {models}.atlas_billing__spend_daily s"
        " join atlas_billing.model_costs c using (date)"
        " where c.grain = ? and s.cost_usd = c.amount_usd"
        " and s.model is not distinct from c.model"
        " and s.api_key_id is not distinct from c.api_key_id"
        # the model's type from the models table where the row does not carry it
        " and (c.model_type is null or s.model_type = c.model_type)"
        " order by all",
        [grain],
    )
    assert {g for _, g, *_ in loaded} == {grain}
    assert len({(d, t, m, k) for d, _, t, m, k, _ in loaded}) > len({d for d, *_ in loaded})
    assert built == loaded  # one row each, its cost as loaded
    per_day = rows(
        account.db,
        "select date, sum(cost_usd) from {models}.atlas_billing__spend_daily group by date"
        " except select cost_date, amount_usd from {models}.stg_atlas_billing__daily_cost_totals",
    )
    assert per_day == []


def test_costs_loaded_with_filters_are_not_reconciled_against_the_balance(tmp_path: Path) -> None:
    # the balance is the whole account's; costs of two of its models cannot explain it
    models = [model.name for model in Simulator(CONFIG, now=NOW).account.models[:2]]
    account = load_daily(CONFIG, tmp_path, runs=3, source_options={"model_ids": models})
    account.build()

    assert {m for (m,) in rows(account.db, "select distinct model from atlas_billing.model_costs")}
    assert (
        rows(
            account.db,
            "select status, costs_filtered, model_spend_usd, other_spend_usd"
            " from {models}.atlas_billing__balance_reconciliation",
        )
        == [("not_reconciled_filtered", True, None, None)] * 2
    )
    assert "costs were loaded with filters" in render_report(account.db)
    assert (
        rows(
            account.db,
            "select distinct model from atlas_billing.model_costs where model not in (?, ?)",
            models,
        )
        == []
    )
