with snapshots as (

    select snapshot_at from "atlas"."atlas_billing_models"."int_atlas_billing__balance_snapshots"

),

movements as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__balance_movements"

),

trailing_window as (

    select
        snapshots.snapshot_at,
        sum(movements.spend_drawn_usd) as spend_drawn_usd,
        sum(movements.period_days) as period_days

    from snapshots
    inner join movements
        on movements.period_end <= snapshots.snapshot_at
        and movements.period_end > 

    (snapshots.snapshot_at + cast(-7 as bigint) * interval 1 day)
    group by snapshots.snapshot_at

),

final as (

    select
        snapshots.snapshot_at,
        cast(trailing_window.spend_drawn_usd as numeric(38, 9)) as trailing_spend_drawn_usd,
        cast(trailing_window.period_days as numeric(38, 9)) as trailing_days,
        cast(case when trailing_window.period_days = 0 then null else (trailing_window.spend_drawn_usd) / (trailing_window.period_days) end as numeric(38, 9)) as burn_rate_usd_per_day

    from snapshots
    left join trailing_window
        on snapshots.snapshot_at = trailing_window.snapshot_at

)

select * from final