with  __dbt__cte__int_atlas_billing__balance_snapshots as (

-- Fixture for int_atlas_billing__balance_snapshots
select 
    
    cast('2025-01-02 12:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(100 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast('2025-01-02' as DATE)
 as "partial_day_date", 
    
    cast(3 as DECIMAL(38,9))
 as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", 
    
    cast(100 as DECIMAL(38,9))
 as "credit_balance_usd"
union all
select 
    
    cast('2025-01-02 18:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(98 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast('2025-01-02' as DATE)
 as "partial_day_date", 
    
    cast(5 as DECIMAL(38,9))
 as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", 
    
    cast(98 as DECIMAL(38,9))
 as "credit_balance_usd"
union all
select 
    
    cast('2025-01-04 06:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(84 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast('2025-01-04' as DATE)
 as "partial_day_date", 
    
    cast(1 as DECIMAL(38,9))
 as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", 
    
    cast(84 as DECIMAL(38,9))
 as "credit_balance_usd"
union all
select 
    
    cast('2025-01-07 06:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(60 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", 
    
    cast('self' as character varying)
 as "costs_scope", 
    
    cast('2025-01-07' as DATE)
 as "partial_day_date", 
    
    cast(2 as DECIMAL(38,9))
 as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", 
    
    cast(60 as DECIMAL(38,9))
 as "credit_balance_usd"
),  __dbt__cte__stg_atlas_billing__daily_cost_totals as (

-- Fixture for stg_atlas_billing__daily_cost_totals
select 
    
    cast('2025-01-02' as DATE)
 as "cost_date", cast(null as character varying(256)) as "scope", 
    
    cast(8 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency", 
    
    cast(False as BOOLEAN)
 as "is_partial", cast(null as TIMESTAMP) as "covered_until"
union all
select 
    
    cast('2025-01-03' as DATE)
 as "cost_date", cast(null as character varying(256)) as "scope", 
    
    cast(10 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency", 
    
    cast(False as BOOLEAN)
 as "is_partial", cast(null as TIMESTAMP) as "covered_until"
union all
select 
    
    cast('2025-01-04' as DATE)
 as "cost_date", cast(null as character varying(256)) as "scope", 
    
    cast(7 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency", 
    
    cast(False as BOOLEAN)
 as "is_partial", cast(null as TIMESTAMP) as "covered_until"
union all
select 
    
    cast('2025-01-06' as DATE)
 as "cost_date", cast(null as character varying(256)) as "scope", 
    
    cast(9 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency", 
    
    cast(False as BOOLEAN)
 as "is_partial", cast(null as TIMESTAMP) as "covered_until"
union all
select 
    
    cast('2025-01-07' as DATE)
 as "cost_date", cast(null as character varying(256)) as "scope", 
    
    cast(2 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency", 
    
    cast(True as BOOLEAN)
 as "is_partial", cast(null as TIMESTAMP) as "covered_until"
), snapshots as (

    select * from __dbt__cte__int_atlas_billing__balance_snapshots

),

daily_totals as (

    select * from __dbt__cte__stg_atlas_billing__daily_cost_totals

),

paired as (

    select
        lag(snapshot_at) over (order by snapshot_at) as period_start,
        snapshot_at as period_end,
        lag(credit_balance_usd) over (order by snapshot_at) as opening_balance_usd,
        credit_balance_usd as closing_balance_usd,
        lag(cash_usd) over (order by snapshot_at) as opening_cash_usd,
        cash_usd as closing_cash_usd,
        lag(bonus_usd) over (order by snapshot_at) as opening_bonus_usd,
        bonus_usd as closing_bonus_usd,
        lag(subscription_bonus_usd) over (order by snapshot_at) as opening_subscription_bonus_usd,
        subscription_bonus_usd as closing_subscription_bonus_usd,
        lag(partial_day_date) over (order by snapshot_at) as opening_partial_day_date,
        lag(partial_day_cost_usd) over (order by snapshot_at) as opening_partial_day_cost_usd,
        partial_day_date as closing_partial_day_date,
        partial_day_cost_usd as closing_partial_day_cost_usd,
        lag(costs_scope) over (order by snapshot_at) as opening_costs_scope,
        costs_scope as closing_costs_scope

    from snapshots

),

intervals as (

    select * from paired where period_start is not null

),

closed_days as (

    select
        intervals.period_end,
        count(*) as closed_days_found,
        sum(daily_totals.amount_usd) as closed_days_cost_usd

    from intervals
    inner join daily_totals
        on daily_totals.cost_date >= intervals.opening_partial_day_date
        and daily_totals.cost_date < intervals.closing_partial_day_date
        and not daily_totals.is_partial
    group by intervals.period_end

),

final as (

    select
        intervals.period_start,
        intervals.period_end,
        cast(
        (date_diff('second', intervals.period_start::timestamp, intervals.period_end::timestamp ))
     / 86400 as numeric(38, 9)) as period_days,
        intervals.opening_balance_usd,
        intervals.closing_balance_usd,
        cast(intervals.closing_balance_usd - intervals.opening_balance_usd as numeric(38, 9)) as balance_change_usd,
        intervals.opening_cash_usd,
        intervals.closing_cash_usd,
        intervals.opening_bonus_usd,
        intervals.closing_bonus_usd,
        intervals.opening_subscription_bonus_usd,
        intervals.closing_subscription_bonus_usd,
        intervals.opening_partial_day_date,
        intervals.opening_partial_day_cost_usd,
        intervals.closing_partial_day_date,
        intervals.closing_partial_day_cost_usd,
        case
            when intervals.opening_costs_scope = 'account' and intervals.closing_costs_scope = 'account'
                then 'account'
            when intervals.opening_costs_scope = 'account'
                then intervals.closing_costs_scope
            else coalesce(intervals.opening_costs_scope, intervals.closing_costs_scope)
        end as costs_scope,
        
        (date_diff('day', intervals.opening_partial_day_date::timestamp, intervals.closing_partial_day_date::timestamp ))
    
            as closed_days_expected,
        coalesce(closed_days.closed_days_found, 0) as closed_days_found,
        cast(coalesce(closed_days.closed_days_cost_usd, 0) - intervals.opening_partial_day_cost_usd + intervals.closing_partial_day_cost_usd as numeric(38, 9)) as model_spend_usd

    from intervals
    left join closed_days
        on intervals.period_end = closed_days.period_end

)

select * from final