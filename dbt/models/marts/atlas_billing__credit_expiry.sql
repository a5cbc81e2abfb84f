{#- One row per credit lot bought by the as-of moment (var `atlas_billing_as_of`, default the
    latest balance snapshot): what it still holds, when it expires, and what the trailing burn
    rate would leave unused at expiry.

    remaining_usd comes from the latest balance snapshot at or before the as-of moment (see
    int_atlas_billing__credit_lot_balances); a lot that has expired by the as-of moment holds 0.
    A lot bought after that snapshot is left out until a snapshot has seen it: what it holds is
    not known before (spending may have drawn it), and 0 would be wrong.

    projected_unused_usd: spending draws subscription credits, then cash, then bonus credits,
    oldest lot first within each. A lot starts being drawn once everything ahead of it is gone:
        drawn_by_expiry = clamp(burn_rate * days_until_expiry - remaining_ahead, 0, remaining)
        projected_unused = remaining - drawn_by_expiry
    It assumes no future top-ups and ignores lots ahead that expire before they are used up. -#}

with lots as (

    select * from {{ ref('int_atlas_billing__credit_lots') }}

),

snapshots as (

    select * from {{ ref('int_atlas_billing__balance_snapshots') }}

),

as_of as (

    select
        {{ atlas_billing.as_of_timestamp(ref('int_atlas_billing__balance_snapshots')) }} as as_of_at

),

balance_snapshot as (

    select
        as_of.as_of_at,
        max(snapshots.snapshot_at) as snapshot_at

    from as_of
    left join snapshots
        on snapshots.snapshot_at <= as_of.as_of_at
    group by as_of.as_of_at

),

lot_balances as (

    select lot_balances.*
    from {{ ref('int_atlas_billing__credit_lot_balances') }} as lot_balances
    inner join balance_snapshot
        on lot_balances.snapshot_at = balance_snapshot.snapshot_at

),

pools as (

    select pools.*
    from {{ ref('int_atlas_billing__credit_pools') }} as pools
    inner join balance_snapshot
        on pools.snapshot_at = balance_snapshot.snapshot_at

),

burn_rate as (

    select burn_rates.burn_rate_usd_per_day
    from {{ ref('int_atlas_billing__burn_rates') }} as burn_rates
    inner join balance_snapshot
        on burn_rates.snapshot_at = balance_snapshot.snapshot_at

),

lots_as_of as (

    select
        lots.lot_id,
        lots.ledger_row,
        lots.kind,
        lots.pool,
        lots.lot_source,
        lots.purchased_at,
        lots.expires_at,
        lots.amount_usd,
        balance_snapshot.as_of_at,
        balance_snapshot.snapshot_at as balance_snapshot_at,
        (lots.expires_at <= balance_snapshot.as_of_at) as is_expired,
        case
            when lots.expires_at <= balance_snapshot.as_of_at then {{ atlas_billing.money(0) }}
            else {{ atlas_billing.money('coalesce(lot_balances.remaining_usd, 0)') }}
        end as remaining_usd,
        case lots.pool when 'subscription' then 1 when 'cash' then 2 else 3 end as draw_order

    from lots
    cross join balance_snapshot
    left join lot_balances
        on lots.lot_id = lot_balances.lot_id
    where lots.purchased_at <= balance_snapshot.as_of_at
        and (
            balance_snapshot.snapshot_at is null
            or lots.purchased_at <= balance_snapshot.snapshot_at
        )

),

with_remaining_ahead as (

    select
        *,
        coalesce(
            sum(remaining_usd) over (
                order by draw_order, purchased_at, coalesce(ledger_row, 0), lot_id
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as remaining_ahead_usd,
        {{ atlas_billing.days_between('as_of_at', 'expires_at') }} as days_until_expiry_exact

    from lots_as_of

),

final as (

    select
        lots.lot_id,
        lots.kind,
        lots.pool,
        lots.lot_source,
        lots.purchased_at,
        lots.expires_at,
        lots.amount_usd,
        lots.remaining_usd,
        lots.as_of_at,
        lots.balance_snapshot_at,
        {{ dbt.datediff(atlas_billing.to_date('lots.as_of_at'), atlas_billing.to_date('lots.expires_at'), 'day') }}
            as days_to_expiry,
        lots.is_expired,
        (
            lots.remaining_usd > 0
            and not lots.is_expired
            and lots.expires_at <= {{ atlas_billing.add_days_to_timestamp(var('atlas_billing_expiring_soon_days'), 'lots.as_of_at') }}
        ) as is_expiring_soon,
        burn_rate.burn_rate_usd_per_day,
        case
            when lots.remaining_usd = 0 then {{ atlas_billing.money(0) }}
            when burn_rate.burn_rate_usd_per_day is null then null
            else {{ atlas_billing.money(
                'lots.remaining_usd - least(lots.remaining_usd, greatest('
                ~ 'burn_rate.burn_rate_usd_per_day * lots.days_until_expiry_exact'
                ~ ' - lots.remaining_ahead_usd, 0))'
            ) }}
        end as projected_unused_usd,
        pools.pool_balance_usd,
        pools.unexplained_usd as pool_unexplained_usd,
        (pools.unexplained_usd <= 0) as is_pool_explained

    from with_remaining_ahead as lots
    left join burn_rate on true
    left join pools
        on lots.pool = pools.pool

)

select * from final
