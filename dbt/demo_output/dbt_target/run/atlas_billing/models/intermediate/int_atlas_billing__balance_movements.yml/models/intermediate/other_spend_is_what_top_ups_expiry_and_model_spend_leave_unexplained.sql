
    -- Build actual result given inputs
with dbt_internal_unit_test_actual as (
  select
    "period_end","top_ups_usd","ledger_top_ups_usd","inferred_top_ups_usd","expired_credits_usd","spend_drawn_usd","other_spend_usd", 'actual' as "actual_or_expected"
  from (
    with  __dbt__cte__int_atlas_billing__balance_intervals as (

-- Fixture for int_atlas_billing__balance_intervals
select 
    
    cast('2025-03-01 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-02 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", 
    
    cast(100 as DECIMAL(38,9))
 as "opening_balance_usd", 
    
    cast(120 as DECIMAL(38,9))
 as "closing_balance_usd", 
    
    cast(20 as DECIMAL(38,9))
 as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", cast(null as BIGINT) as "closed_days_expected", cast(null as BIGINT) as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd"
),  __dbt__cte__int_atlas_billing__credit_lots as (

-- Fixture for int_atlas_billing__credit_lots
select 
    
    cast('old' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", 
    
    cast('purchase' as character varying)
 as "kind", cast(null as character varying(256)) as "pool", 
    
    cast('2025-02-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-02-01 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(100 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('promo' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", 
    
    cast('promotion' as character varying)
 as "kind", cast(null as character varying(256)) as "pool", 
    
    cast('2025-01-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2025-03-01 18:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(10 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('new' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", 
    
    cast('purchase' as character varying)
 as "kind", cast(null as character varying(256)) as "pool", 
    
    cast('2025-03-01 12:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-03-01 12:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(30 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
),  __dbt__cte__int_atlas_billing__credit_lot_balances as (

-- Fixture for int_atlas_billing__credit_lot_balances
select 
    
    cast('2025-03-01 00:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('old' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", cast(null as character varying(256)) as "kind", cast(null as character varying(256)) as "pool", cast(null as TIMESTAMP) as "purchased_at", 
    
    cast('2026-02-01 00:00:00' as TIMESTAMP)
 as "expires_at", cast(null as DECIMAL(38,9)) as "amount_usd", cast(null as character varying(256)) as "lot_source", cast(null as DECIMAL(38,9)) as "pool_balance_usd", 
    
    cast(96 as DECIMAL(38,9))
 as "remaining_usd"
union all
select 
    
    cast('2025-03-01 00:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('promo' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", cast(null as character varying(256)) as "kind", cast(null as character varying(256)) as "pool", cast(null as TIMESTAMP) as "purchased_at", 
    
    cast('2025-03-01 18:00:00' as TIMESTAMP)
 as "expires_at", cast(null as DECIMAL(38,9)) as "amount_usd", cast(null as character varying(256)) as "lot_source", cast(null as DECIMAL(38,9)) as "pool_balance_usd", 
    
    cast(4 as DECIMAL(38,9))
 as "remaining_usd"
), intervals as (

    select * from __dbt__cte__int_atlas_billing__balance_intervals

),

lots as (

    select * from __dbt__cte__int_atlas_billing__credit_lots

),

lot_balances as (

    select * from __dbt__cte__int_atlas_billing__credit_lot_balances

),

top_ups as (

    select
        intervals.period_end,
        sum(case when lots.lot_source = 'ledger' then lots.amount_usd else 0 end) as ledger_top_ups_usd,
        sum(case when lots.lot_source = 'inferred' then lots.amount_usd else 0 end) as inferred_top_ups_usd

    from intervals
    inner join lots
        on lots.purchased_at > intervals.period_start
        and lots.purchased_at <= intervals.period_end
    group by intervals.period_end

),

expired as (

    select
        intervals.period_end,
        sum(lot_balances.remaining_usd) as expired_credits_usd

    from intervals
    inner join lot_balances
        on lot_balances.snapshot_at = intervals.period_start
        and lot_balances.expires_at > intervals.period_start
        and lot_balances.expires_at <= intervals.period_end
    group by intervals.period_end

),

joined as (

    select
        intervals.*,
        cast(coalesce(top_ups.ledger_top_ups_usd, 0) as numeric(38, 9)) as ledger_top_ups_usd,
        cast(coalesce(top_ups.inferred_top_ups_usd, 0) as numeric(38, 9)) as inferred_top_ups_usd,
        cast(coalesce(expired.expired_credits_usd, 0) as numeric(38, 9)) as expired_credits_usd

    from intervals
    left join top_ups
        on intervals.period_end = top_ups.period_end
    left join expired
        on intervals.period_end = expired.period_end

),

final as (

    select
        *,
        cast(ledger_top_ups_usd + inferred_top_ups_usd as numeric(38, 9)) as top_ups_usd,
        cast(opening_balance_usd + ledger_top_ups_usd + inferred_top_ups_usd - expired_credits_usd - closing_balance_usd as numeric(38, 9)) as spend_drawn_usd,
        cast(opening_balance_usd + ledger_top_ups_usd + inferred_top_ups_usd - expired_credits_usd - closing_balance_usd - model_spend_usd as numeric(38, 9)) as other_spend_usd

    from joined

)

select * from final
  ) _dbt_internal_unit_test_actual
),
-- Build expected result
dbt_internal_unit_test_expected as (
  select
    "period_end", "top_ups_usd", "ledger_top_ups_usd", "inferred_top_ups_usd", "expired_credits_usd", "spend_drawn_usd", "other_spend_usd", 'expected' as "actual_or_expected"
  from (
    select 
    
    cast('2025-03-02 00:00:00' as TIMESTAMP)
 as "period_end", 
    
    cast(30 as DECIMAL(38,9))
 as "top_ups_usd", 
    
    cast(30 as DECIMAL(38,9))
 as "ledger_top_ups_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "inferred_top_ups_usd", 
    
    cast(4 as DECIMAL(38,9))
 as "expired_credits_usd", 
    
    cast(6 as DECIMAL(38,9))
 as "spend_drawn_usd", 
    
    cast(1 as DECIMAL(38,9))
 as "other_spend_usd"
  ) _dbt_internal_unit_test_expected
)
-- Union actual and expected results
select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected