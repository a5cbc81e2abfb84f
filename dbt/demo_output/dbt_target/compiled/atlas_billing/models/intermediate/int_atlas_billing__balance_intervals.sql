with snapshots as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__balance_snapshots"

),

daily_totals as (

    select * from "atlas"."atlas_billing_models"."stg_atlas_billing__daily_cost_totals"

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