{#- One row per pair of consecutive balance snapshots, with the model spend the balance was
    charged between them (see DECISIONLOG.md).

    The balance is charged for a day's model use as /model-costs reports it at that moment, and
    charged or refunded again whenever a closed day is restated. With C(s, d) the cost of day d as
    it stood at snapshot s, the model spend between an opening snapshot s0 and a closing one s1 is

        model_spend = sum over days d of [C(s1, d) - C(s0, d)]

    Each snapshot observed the costs of its partial day and the lookback_days + 1 days before
    (balance_cost_observations); older days no longer change, so the sum runs from s0's first
    observed day through s1's partial day, where C(s, d) is the observation when there is one,
    0 for days after s's partial day, and the final daily total for days older than s's
    observations. So: all of s0's observations, subtracted from s1's observations from s0's first
    observed day on plus the final totals of the days s0 observed but s1 no longer does.

    Snapshots without observations (loaded before the source recorded them) fall back to the
    snapshots' partial days (d0, p0) and (d1, p1), exact unless a day is restated between them:

        model_spend = sum(final cost of day d for d0 <= d < d1) - p0 + p1 -#}

with snapshots as (

    select * from {{ ref('int_atlas_billing__balance_snapshots') }}

),

daily_totals as (

    select * from {{ ref('stg_atlas_billing__daily_cost_totals') }}

),

observations as (

    select * from {{ ref('stg_atlas_billing__balance_cost_observations') }}

),

observed as (

    select
        snapshot_at,
        min(cost_date) as observed_from_date,
        sum(amount_usd) as observed_cost_usd

    from observations
    group by snapshot_at

),

snapshots_observed as (

    select
        snapshots.*,
        observed.observed_from_date,
        observed.observed_cost_usd

    from snapshots
    left join observed
        on snapshots.snapshot_at = observed.snapshot_at

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
        costs_scope as closing_costs_scope,
        lag(costs_filtered) over (order by snapshot_at) as opening_costs_filtered,
        costs_filtered as closing_costs_filtered,
        lag(observed_from_date) over (order by snapshot_at) as opening_observed_from_date,
        lag(observed_cost_usd) over (order by snapshot_at) as opening_observed_cost_usd,
        observed_from_date as closing_observed_from_date

    from snapshots_observed

),

intervals as (

    select
        *,
        case
            when opening_observed_from_date is not null and closing_observed_from_date is not null
                then 'cost_observations'
            else 'partial_days'
        end as model_spend_basis,
        -- the days whose final daily total the model spend needs: [from, until)
        case
            when opening_observed_from_date is not null and closing_observed_from_date is not null
                then opening_observed_from_date
            else opening_partial_day_date
        end as closed_days_from_date,
        case
            when opening_observed_from_date is not null and closing_observed_from_date is not null
                then closing_observed_from_date
            else closing_partial_day_date
        end as closed_days_until_date

    from paired
    where period_start is not null

),

closed_days as (

    select
        intervals.period_end,
        count(*) as closed_days_found,
        sum(daily_totals.amount_usd) as closed_days_cost_usd

    from intervals
    inner join daily_totals
        on daily_totals.cost_date >= intervals.closed_days_from_date
        and daily_totals.cost_date < intervals.closed_days_until_date
        and not daily_totals.is_partial
    group by intervals.period_end

),

closing_observed as (

    select
        intervals.period_end,
        sum(observations.amount_usd) as closing_observed_cost_usd

    from intervals
    inner join observations
        on observations.snapshot_at = intervals.period_end
        and observations.cost_date >= intervals.opening_observed_from_date
    where intervals.model_spend_basis = 'cost_observations'
    group by intervals.period_end

),

final as (

    select
        intervals.period_start,
        intervals.period_end,
        {{ atlas_billing.days_between('intervals.period_start', 'intervals.period_end') }} as period_days,
        intervals.opening_balance_usd,
        intervals.closing_balance_usd,
        {{ atlas_billing.money('intervals.closing_balance_usd - intervals.opening_balance_usd') }} as balance_change_usd,
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
        -- snapshots loaded before the source recorded filters were unfiltered or refused
        coalesce(intervals.opening_costs_filtered, false)
            or coalesce(intervals.closing_costs_filtered, false) as costs_filtered,
        intervals.model_spend_basis,
        intervals.opening_observed_from_date,
        intervals.closing_observed_from_date,
        case
            when intervals.closed_days_until_date > intervals.closed_days_from_date
                then {{ dbt.datediff('intervals.closed_days_from_date', 'intervals.closed_days_until_date', 'day') }}
            else 0
        end as closed_days_expected,
        coalesce(closed_days.closed_days_found, 0) as closed_days_found,
        case
            when intervals.model_spend_basis = 'cost_observations'
                then {{ atlas_billing.money(
                    'coalesce(closed_days.closed_days_cost_usd, 0)'
                    ~ ' + coalesce(closing_observed.closing_observed_cost_usd, 0)'
                    ~ ' - intervals.opening_observed_cost_usd'
                ) }}
            else {{ atlas_billing.money(
                'coalesce(closed_days.closed_days_cost_usd, 0)'
                ~ ' - intervals.opening_partial_day_cost_usd'
                ~ ' + intervals.closing_partial_day_cost_usd'
            ) }}
        end as model_spend_usd

    from intervals
    left join closed_days
        on intervals.period_end = closed_days.period_end
    left join closing_observed
        on intervals.period_end = closing_observed.period_end

)

select * from final
