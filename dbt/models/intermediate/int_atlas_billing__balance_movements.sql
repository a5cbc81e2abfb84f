{#- The balance equation for each interval between consecutive snapshots:

        closing = opening + top_ups - expired_credits - model_spend - other_spend

    top_ups are the credit lots bought in (period_start, period_end] (ledger or inferred);
    expired_credits is what the lots expiring in the interval held when they expired: what they
    held at the opening snapshot, less the model spend before the expiry where spending drew on
    the lot first (see `expired`);
    other_spend is what is left: spend the model-cost API does not report (DevPods, Serverless
    GPU, storage) or an error somewhere. spend_drawn = model_spend + other_spend is everything
    spending took from the balance, whatever it was for. -#}

with intervals as (

    select * from {{ ref('int_atlas_billing__balance_intervals') }}

),

lots as (

    select * from {{ ref('int_atlas_billing__credit_lots') }}

),

daily_totals as (

    select * from {{ ref('stg_atlas_billing__daily_cost_totals') }}
    where not is_partial

),

lot_balances as (

    select * from {{ ref('int_atlas_billing__credit_lot_balances') }}

),

pool_top_ups as (

    select
        intervals.period_end,
        lots.pool,
        sum(lots.amount_usd) as top_ups_usd,
        sum(case when lots.lot_source = 'ledger' then lots.amount_usd else 0 end) as ledger_top_ups_usd,
        sum(case when lots.lot_source = 'inferred' then lots.amount_usd else 0 end) as inferred_top_ups_usd

    from intervals
    inner join lots
        on lots.purchased_at > intervals.period_start
        and lots.purchased_at <= intervals.period_end
    group by intervals.period_end, lots.pool

),

top_ups as (

    select
        period_end,
        sum(ledger_top_ups_usd) as ledger_top_ups_usd,
        sum(inferred_top_ups_usd) as inferred_top_ups_usd,
        sum(case when pool = 'subscription' then top_ups_usd else 0 end) as subscription_top_ups_usd,
        sum(case when pool = 'cash' then top_ups_usd else 0 end) as cash_top_ups_usd

    from pool_top_ups
    group by period_end

),

expiring as (

    {#- Each lot expiring in the interval: what it held at the opening snapshot, the money
        spending draws before it (older money of its pool; the pools drawn before its own:
        subscription, then cash, then bonus), and what its pool lost over the interval (opening +
        its top-ups - closing = what expired from it + what was drawn from it). -#}
    select
        intervals.period_start,
        intervals.period_end,
        lot_balances.lot_id,
        lot_balances.expires_at,
        cast(lot_balances.expires_at as date) as expiry_date,
        cast(cast(lot_balances.expires_at as date) as {{ dbt.type_timestamp() }}) as expiry_day_start,
        lot_balances.remaining_usd,
        lot_balances.older_lots_usd
            + case lot_balances.pool
                when 'cash' then intervals.opening_subscription_bonus_usd
                    + coalesce(top_ups.subscription_top_ups_usd, 0)
                when 'bonus' then intervals.opening_subscription_bonus_usd
                    + coalesce(top_ups.subscription_top_ups_usd, 0)
                    + intervals.opening_cash_usd + coalesce(top_ups.cash_top_ups_usd, 0)
                else 0
            end as drawn_first_usd,
        case lot_balances.pool
            when 'cash' then intervals.opening_cash_usd - intervals.closing_cash_usd
            when 'bonus' then intervals.opening_bonus_usd - intervals.closing_bonus_usd
            when 'subscription'
                then intervals.opening_subscription_bonus_usd - intervals.closing_subscription_bonus_usd
        end + coalesce(pool_top_ups.top_ups_usd, 0) as pool_loss_usd,
        sum(case when lot_balances.remaining_usd > 0 then 1 else 0 end) over (
            partition by intervals.period_end, lot_balances.pool
        ) as expiring_lots_holding_money,
        intervals.opening_partial_day_date,
        intervals.opening_partial_day_cost_usd,
        intervals.closing_partial_day_date,
        intervals.closing_partial_day_cost_usd

    from intervals
    inner join lot_balances
        on lot_balances.snapshot_at = intervals.period_start
        and lot_balances.expires_at > intervals.period_start
        and lot_balances.expires_at <= intervals.period_end
    left join pool_top_ups
        on intervals.period_end = pool_top_ups.period_end
        and lot_balances.pool = pool_top_ups.pool
    left join top_ups
        on intervals.period_end = top_ups.period_end

),

expiry_days as (

    {#- The final daily totals the model spend before each expiry needs: the opening snapshot's
        partial day, the whole days after it, and the expiry's day. -#}
    select
        expiring.period_end,
        expiring.lot_id,
        sum(
            case when daily_totals.cost_date = expiring.opening_partial_day_date
                then daily_totals.amount_usd end
        ) as opening_day_usd,
        sum(
            case when daily_totals.cost_date > expiring.opening_partial_day_date
                and daily_totals.cost_date < expiring.expiry_date
                then daily_totals.amount_usd else 0 end
        ) as whole_days_usd,
        sum(
            case when daily_totals.cost_date = expiring.expiry_date
                then daily_totals.amount_usd end
        ) as expiry_day_usd

    from expiring
    left join daily_totals
        on daily_totals.cost_date >= expiring.opening_partial_day_date
        and daily_totals.cost_date <= expiring.expiry_date
        and daily_totals.cost_date < expiring.closing_partial_day_date
    group by expiring.period_end, expiring.lot_id

),

spend_before_expiry as (

    {#- The model spend between the opening snapshot and each expiry, day by day: the opening's
        partial day from the snapshot on (its final total less what the snapshot saw), whole
        days, and of the expiry's own day the share of its spend up to the expiry, pro rata to
        the time (of the day, or of the part of it a snapshot bounds). -#}
    select
        expiring.*,
        case
            when expiring.expiry_date = expiring.opening_partial_day_date
                and expiring.expiry_date = expiring.closing_partial_day_date
                then {{ atlas_billing.money_divided(
                    '(expiring.closing_partial_day_cost_usd - expiring.opening_partial_day_cost_usd) * '
                    ~ dbt.datediff('expiring.period_start', 'expiring.expires_at', 'second'),
                    dbt.datediff('expiring.period_start', 'expiring.period_end', 'second')
                ) }}
            when expiring.expiry_date = expiring.opening_partial_day_date
                then {{ atlas_billing.money_divided(
                    '(expiry_days.opening_day_usd - expiring.opening_partial_day_cost_usd) * '
                    ~ dbt.datediff('expiring.period_start', 'expiring.expires_at', 'second'),
                    dbt.datediff(
                        'expiring.period_start',
                        atlas_billing.add_days_to_timestamp(1, 'expiring.expiry_day_start'),
                        'second'
                    )
                ) }}
            else expiry_days.opening_day_usd - expiring.opening_partial_day_cost_usd
                + expiry_days.whole_days_usd
                + case
                    when expiring.expiry_date = expiring.closing_partial_day_date
                        then {{ atlas_billing.money_divided(
                            'expiring.closing_partial_day_cost_usd * '
                            ~ dbt.datediff('expiring.expiry_day_start', 'expiring.expires_at', 'second'),
                            dbt.datediff('expiring.expiry_day_start', 'expiring.period_end', 'second')
                        ) }}
                    else {{ atlas_billing.money_divided(
                        'expiry_days.expiry_day_usd * '
                        ~ dbt.datediff('expiring.expiry_day_start', 'expiring.expires_at', 'second'),
                        '86400'
                    ) }}
                end
        end as model_spend_before_expiry_usd

    from expiring
    left join expiry_days
        on expiring.period_end = expiry_days.period_end
        and expiring.lot_id = expiry_days.lot_id

),

expired as (

    {#- What a lot held at the opening snapshot expires, unless spending drew on it first: when it
        is the only lot of its pool expiring in the interval and the first money spending draws
        (nothing older in its pool, nothing in the pools drawn before it), spending took the
        model spend before its expiry from it, and the rest expired; never more than the pool
        lost. Spend the model-cost API does not report (other spend) is not known by the hour,
        so what it drew still counts as expired. -#}
    select
        period_end,
        sum(
            case
                when expiring_lots_holding_money = 1
                    and remaining_usd > 0
                    and drawn_first_usd = 0
                    and model_spend_before_expiry_usd is not null
                    and pool_loss_usd is not null
                then greatest(
                    least(remaining_usd - model_spend_before_expiry_usd, pool_loss_usd),
                    0
                )
                else remaining_usd
            end
        ) as expired_credits_usd

    from spend_before_expiry
    group by period_end

),

joined as (

    select
        intervals.*,
        {{ atlas_billing.money('coalesce(top_ups.ledger_top_ups_usd, 0)') }} as ledger_top_ups_usd,
        {{ atlas_billing.money('coalesce(top_ups.inferred_top_ups_usd, 0)') }} as inferred_top_ups_usd,
        {{ atlas_billing.money('coalesce(expired.expired_credits_usd, 0)') }} as expired_credits_usd

    from intervals
    left join top_ups
        on intervals.period_end = top_ups.period_end
    left join expired
        on intervals.period_end = expired.period_end

),

final as (

    select
        *,
        {{ atlas_billing.money('ledger_top_ups_usd + inferred_top_ups_usd') }} as top_ups_usd,
        {{ atlas_billing.money(
            'opening_balance_usd + ledger_top_ups_usd + inferred_top_ups_usd'
            ~ ' - expired_credits_usd - closing_balance_usd'
        ) }} as spend_drawn_usd,
        {{ atlas_billing.money(
            'opening_balance_usd + ledger_top_ups_usd + inferred_top_ups_usd'
            ~ ' - expired_credits_usd - closing_balance_usd - model_spend_usd'
        ) }} as other_spend_usd

    from joined

)

select * from final
