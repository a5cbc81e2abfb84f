{#- The trailing burn rate at each balance snapshot: everything spending drew from the balance
    (model and other spend, not top-ups or expiries) over the intervals that ended in the last
    `atlas_billing_burn_rate_window_days` days, per day of those intervals. -#}

with snapshots as (

    select snapshot_at from {{ ref('int_atlas_billing__balance_snapshots') }}

),

movements as (

    select * from {{ ref('int_atlas_billing__balance_movements') }}

),

trailing_window as (

    select
        snapshots.snapshot_at,
        sum(movements.spend_drawn_usd) as spend_drawn_usd,
        sum(movements.period_days) as period_days

    from snapshots
    inner join movements
        on movements.period_end <= snapshots.snapshot_at
        and movements.period_end > {{ atlas_billing.add_days_to_timestamp(
            -1 * var('atlas_billing_burn_rate_window_days'), 'snapshots.snapshot_at'
        ) }}
    group by snapshots.snapshot_at

),

final as (

    select
        snapshots.snapshot_at,
        {{ atlas_billing.money('trailing_window.spend_drawn_usd') }} as trailing_spend_drawn_usd,
        {{ atlas_billing.quantity('trailing_window.period_days') }} as trailing_days,
        {{ atlas_billing.money(
            atlas_billing.safe_divide('trailing_window.spend_drawn_usd', 'trailing_window.period_days')
        ) }} as burn_rate_usd_per_day

    from snapshots
    left join trailing_window
        on snapshots.snapshot_at = trailing_window.snapshot_at

)

select * from final
