
    -- Build actual result given inputs
with dbt_internal_unit_test_actual as (
  select
    "lot_id","kind","pool","purchased_at","expires_at","amount_usd","lot_source", 'actual' as "actual_or_expected"
  from (
    with  __dbt__cte__stg_atlas_billing__credit_ledger as (

-- Fixture for stg_atlas_billing__credit_ledger
select 
    
    cast('promo_1' as character varying)
 as "lot_id", 
    
    cast(2 as BIGINT)
 as "ledger_row", 
    
    cast('2025-01-05 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('promotion' as character varying)
 as "kind", 
    
    cast(10 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('2025-04-05 00:00:00' as TIMESTAMP)
 as "expires_at"
union all
select 
    
    cast(null as character varying(256))
 as "lot_id", 
    
    cast(1 as BIGINT)
 as "ledger_row", 
    
    cast('2025-01-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('purchase' as character varying)
 as "kind", 
    
    cast(100 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast(null as TIMESTAMP)
 as "expires_at"
),  __dbt__cte__int_atlas_billing__balance_intervals as (

-- Fixture for int_atlas_billing__balance_intervals
select 
    
    cast('2025-01-04 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-01-06 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", 
    
    cast(6 as DECIMAL(38,9))
 as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "opening_bonus_usd", 
    
    cast(10 as DECIMAL(38,9))
 as "closing_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "opening_subscription_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", cast(null as character varying(256)) as "costs_scope", cast(null as BIGINT) as "closed_days_expected", cast(null as BIGINT) as "closed_days_found", 
    
    cast(4 as DECIMAL(38,9))
 as "model_spend_usd"
union all
select 
    
    cast('2025-01-10 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-01-11 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", 
    
    cast(-5 as DECIMAL(38,9))
 as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", 
    
    cast(10 as DECIMAL(38,9))
 as "opening_bonus_usd", 
    
    cast(10 as DECIMAL(38,9))
 as "closing_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "opening_subscription_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", cast(null as character varying(256)) as "costs_scope", cast(null as BIGINT) as "closed_days_expected", cast(null as BIGINT) as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd"
union all
select 
    
    cast('2025-01-11 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-01-12 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", 
    
    cast(40 as DECIMAL(38,9))
 as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", 
    
    cast(10 as DECIMAL(38,9))
 as "opening_bonus_usd", 
    
    cast(18 as DECIMAL(38,9))
 as "closing_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "opening_subscription_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", cast(null as character varying(256)) as "costs_scope", cast(null as BIGINT) as "closed_days_expected", cast(null as BIGINT) as "closed_days_found", 
    
    cast(10 as DECIMAL(38,9))
 as "model_spend_usd"
), ledger as (

    select * from __dbt__cte__stg_atlas_billing__credit_ledger

),

intervals as (

    select * from __dbt__cte__int_atlas_billing__balance_intervals

),

ledger_lots as (

    select
        coalesce(
            lot_id,
            'ledger-' || kind || '-' || cast(
        (date_diff('second', cast('1970-01-01 00:00:00' as timestamp)::timestamp, purchased_at::timestamp ))
     as TEXT) || '-' || cast(row_number() over (partition by kind, purchased_at order by amount_usd) as TEXT)
        ) as lot_id,
        ledger_row,
        kind,
        purchased_at,
        amount_usd,
        coalesce(
            expires_at,
            

    (purchased_at + cast(365 as bigint) * interval 1 day)
        ) as expires_at,
        'ledger' as lot_source

    from ledger

),

ledger_coverage as (

    select
        cast('2025-01-10 00:00:00' as timestamp)
            as covered_until

),

ledger_top_ups_per_interval as (

    select
        intervals.period_end,
        sum(ledger_lots.amount_usd) as ledger_top_ups_usd

    from intervals
    inner join ledger_lots
        on ledger_lots.purchased_at > intervals.period_start
        and ledger_lots.purchased_at <= intervals.period_end
    group by intervals.period_end

),

uncovered_gains as (

    select
        intervals.period_end,
        greatest(
            cast(intervals.balance_change_usd + coalesce(intervals.model_spend_usd, 0) - coalesce(ledger_top_ups_per_interval.ledger_top_ups_usd, 0) as numeric(38, 9)),
            0
        ) as inferred_usd,
        greatest(
            cast(intervals.closing_subscription_bonus_usd - intervals.opening_subscription_bonus_usd as numeric(38, 9)),
            0
        ) as subscription_growth_usd,
        greatest(
            cast(intervals.closing_bonus_usd - intervals.opening_bonus_usd as numeric(38, 9)),
            0
        ) as bonus_growth_usd

    from intervals
    cross join ledger_coverage
    left join ledger_top_ups_per_interval
        on intervals.period_end = ledger_top_ups_per_interval.period_end
    where ledger_coverage.covered_until is null
        or intervals.period_end > ledger_coverage.covered_until

),

inferred_split as (

    select
        period_end,
        least(coalesce(subscription_growth_usd, 0), inferred_usd) as subscription_usd,
        least(
            coalesce(bonus_growth_usd, 0),
            inferred_usd - least(coalesce(subscription_growth_usd, 0), inferred_usd)
        ) as bonus_usd,
        inferred_usd

    from uncovered_gains
    where inferred_usd > 0

),

inferred_amounts as (

    select period_end, 'subscription' as kind, subscription_usd as amount_usd from inferred_split
    union all
    select period_end, 'bonus' as kind, bonus_usd as amount_usd from inferred_split
    union all
    select
        period_end,
        'purchase' as kind,
        cast(inferred_usd - subscription_usd - bonus_usd as numeric(38, 9)) as amount_usd
    from inferred_split

),

inferred_lots as (

    select
        'inferred-' || kind || '-' || cast(
        (date_diff('second', cast('1970-01-01 00:00:00' as timestamp)::timestamp, period_end::timestamp ))
     as TEXT) as lot_id,
        cast(null as bigint) as ledger_row,
        kind,
        period_end as purchased_at,
        amount_usd,
        

    (period_end + cast(365 as bigint) * interval 1 day) as expires_at,
        'inferred' as lot_source

    from inferred_amounts
    where amount_usd > 0

),

lots as (

    select * from ledger_lots
    union all
    select * from inferred_lots

),

final as (

    select
        lot_id,
        ledger_row,
        kind,
        case
            when kind = 'purchase' then 'cash'
            when kind = 'subscription' then 'subscription'
            else 'bonus'
        end as pool,
        cast(purchased_at as timestamp) as purchased_at,
        cast(expires_at as timestamp) as expires_at,
        cast(amount_usd as numeric(38, 9)) as amount_usd,
        lot_source

    from lots

)

select * from final
  ) _dbt_internal_unit_test_actual
),
-- Build expected result
dbt_internal_unit_test_expected as (
  select
    "lot_id", "kind", "pool", "purchased_at", "expires_at", "amount_usd", "lot_source", 'expected' as "actual_or_expected"
  from (
    select 
    
    cast('ledger-purchase-1735689600-1' as character varying)
 as "lot_id", 
    
    cast('purchase' as character varying)
 as "kind", 
    
    cast('cash' as character varying)
 as "pool", 
    
    cast('2025-01-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-01-01 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(100 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('promo_1' as character varying)
 as "lot_id", 
    
    cast('promotion' as character varying)
 as "kind", 
    
    cast('bonus' as character varying)
 as "pool", 
    
    cast('2025-01-05 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2025-04-05 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(10 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('inferred-bonus-1736640000' as character varying)
 as "lot_id", 
    
    cast('bonus' as character varying)
 as "kind", 
    
    cast('bonus' as character varying)
 as "pool", 
    
    cast('2025-01-12 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-01-12 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(8 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('inferred' as character varying)
 as "lot_source"
union all
select 
    
    cast('inferred-purchase-1736640000' as character varying)
 as "lot_id", 
    
    cast('purchase' as character varying)
 as "kind", 
    
    cast('cash' as character varying)
 as "pool", 
    
    cast('2025-01-12 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-01-12 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(42 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('inferred' as character varying)
 as "lot_source"
  ) _dbt_internal_unit_test_expected
)
-- Union actual and expected results
select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected