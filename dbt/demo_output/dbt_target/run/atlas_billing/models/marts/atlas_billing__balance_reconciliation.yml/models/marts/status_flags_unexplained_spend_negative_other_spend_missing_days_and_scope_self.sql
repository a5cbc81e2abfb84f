
    -- Build actual result given inputs
with dbt_internal_unit_test_actual as (
  select
    "period_end","status","other_spend_usd","model_spend_usd", 'actual' as "actual_or_expected"
  from (
    with  __dbt__cte__int_atlas_billing__balance_movements as (

-- Fixture for int_atlas_billing__balance_movements
select 
    
    cast('2025-03-01 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-02 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast(1 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "other_spend_usd"
union all
select 
    
    cast('2025-03-02 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-03 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast(1 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(0.01 as DECIMAL(38,9))
 as "other_spend_usd"
union all
select 
    
    cast('2025-03-03 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-04 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast(1 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(2.5 as DECIMAL(38,9))
 as "other_spend_usd"
union all
select 
    
    cast('2025-03-04 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-05 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast(1 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(-1e-06 as DECIMAL(38,9))
 as "other_spend_usd"
union all
select 
    
    cast('2025-03-05 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-07 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast(2 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "other_spend_usd"
union all
select 
    
    cast('2025-03-07 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-08 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('self' as character varying)
 as "costs_scope", 
    
    cast(1 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(1 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(4 as DECIMAL(38,9))
 as "other_spend_usd"
), movements as (

    select * from __dbt__cte__int_atlas_billing__balance_movements

),

final as (

    select
        period_start,
        period_end,
        period_days,
        costs_scope,
        opening_balance_usd,
        closing_balance_usd,
        balance_change_usd,
        top_ups_usd,
        ledger_top_ups_usd,
        inferred_top_ups_usd,
        expired_credits_usd,
        case when costs_scope = 'account' then model_spend_usd end as model_spend_usd,
        case when costs_scope = 'account' then other_spend_usd end as other_spend_usd,
        spend_drawn_usd,
        opening_partial_day_date,
        opening_partial_day_cost_usd,
        closing_partial_day_date,
        closing_partial_day_cost_usd,
        closed_days_expected,
        closed_days_found,
        case
            when costs_scope <> 'account' then 'not_reconciled_scope_self'
            when model_spend_usd is null or closed_days_found < closed_days_expected
                then 'missing_model_costs'
            when other_spend_usd < 0
                then 'model_spend_exceeds_balance_drop'
            when other_spend_usd > 0.01 then 'unexplained_spend_above_tolerance'
            else 'reconciled'
        end as status

    from movements

)

select * from final
  ) _dbt_internal_unit_test_actual
),
-- Build expected result
dbt_internal_unit_test_expected as (
  select
    "period_end", "status", "other_spend_usd", "model_spend_usd", 'expected' as "actual_or_expected"
  from (
    select 
    
    cast('2025-03-02 00:00:00' as TIMESTAMP)
 as "period_end", 
    
    cast('reconciled' as character varying)
 as "status", 
    
    cast(0 as DECIMAL(38,9))
 as "other_spend_usd", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd"
union all
select 
    
    cast('2025-03-03 00:00:00' as TIMESTAMP)
 as "period_end", 
    
    cast('reconciled' as character varying)
 as "status", 
    
    cast(0.01 as DECIMAL(38,9))
 as "other_spend_usd", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd"
union all
select 
    
    cast('2025-03-04 00:00:00' as TIMESTAMP)
 as "period_end", 
    
    cast('unexplained_spend_above_tolerance' as character varying)
 as "status", 
    
    cast(2.5 as DECIMAL(38,9))
 as "other_spend_usd", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd"
union all
select 
    
    cast('2025-03-05 00:00:00' as TIMESTAMP)
 as "period_end", 
    
    cast('model_spend_exceeds_balance_drop' as character varying)
 as "status", 
    
    cast(-1e-06 as DECIMAL(38,9))
 as "other_spend_usd", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd"
union all
select 
    
    cast('2025-03-07 00:00:00' as TIMESTAMP)
 as "period_end", 
    
    cast('missing_model_costs' as character varying)
 as "status", 
    
    cast(0 as DECIMAL(38,9))
 as "other_spend_usd", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd"
union all
select 
    
    cast('2025-03-08 00:00:00' as TIMESTAMP)
 as "period_end", 
    
    cast('not_reconciled_scope_self' as character varying)
 as "status", 
    
    cast(null as DECIMAL(38,9))
 as "model_spend_usd", 
    
    cast(null as DECIMAL(38,9))
 as "other_spend_usd"
  ) _dbt_internal_unit_test_expected
)
-- Union actual and expected results
select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected