{#- One row per interval between consecutive balance snapshots: does the model spend the API
    reports explain what the balance lost? See int_atlas_billing__balance_movements for the
    equation and DECISIONLOG.md for the rules. -#}

{%- set tolerance = var('atlas_billing_reconciliation_tolerance_usd') -%}
{#- Costs of the whole account: not scope=self, not narrowed by filters (model_ids,
    api_key_ids, model_types), so they can explain what the account's balance lost. -#}
{%- set covers_the_account = "(costs_scope = 'account' and not costs_filtered)" -%}

with movements as (

    select * from {{ ref('int_atlas_billing__balance_movements') }}

),

final as (

    select
        period_start,
        period_end,
        period_days,
        costs_scope,
        costs_filtered,
        opening_balance_usd,
        closing_balance_usd,
        balance_change_usd,
        top_ups_usd,
        ledger_top_ups_usd,
        inferred_top_ups_usd,
        expired_credits_usd,
        case when {{ covers_the_account }} then model_spend_usd end as model_spend_usd,
        case when {{ covers_the_account }} then other_spend_usd end as other_spend_usd,
        spend_drawn_usd,
        opening_partial_day_date,
        opening_partial_day_cost_usd,
        closing_partial_day_date,
        closing_partial_day_cost_usd,
        model_spend_basis,
        closed_days_expected,
        closed_days_found,
        case
            when costs_scope <> 'account' then 'not_reconciled_scope_self'
            when costs_filtered then 'not_reconciled_filtered'
            when model_spend_usd is null or closed_days_found < closed_days_expected
                then 'missing_model_costs'
            when other_spend_usd < 0
                then 'model_spend_exceeds_balance_drop'
            when other_spend_usd > {{ tolerance }} then 'unexplained_spend_above_tolerance'
            else 'reconciled'
        end as status

    from movements

)

select * from final
