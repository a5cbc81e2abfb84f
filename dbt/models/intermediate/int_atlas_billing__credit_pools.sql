{#- Per balance snapshot and pool (cash, bonus, subscription): the balance, what the unexpired
    lots could hold, and the balance no known lot explains (the ledger is incomplete, or the
    balance came from somewhere the ledger does not list). -#}

with snapshots as (

    select * from {{ ref('int_atlas_billing__balance_snapshots') }}

),

lot_balances as (

    select * from {{ ref('int_atlas_billing__credit_lot_balances') }}

),

pools as (

    select snapshot_at, 'cash' as pool, cash_usd as pool_balance_usd from snapshots
    union all
    select snapshot_at, 'bonus' as pool, bonus_usd as pool_balance_usd from snapshots
    union all
    select snapshot_at, 'subscription' as pool, subscription_bonus_usd as pool_balance_usd from snapshots

),

lots_per_pool as (

    select
        snapshot_at,
        pool,
        count(*) as active_lots,
        sum(amount_usd) as active_lots_usd,
        sum(remaining_usd) as remaining_usd

    from lot_balances
    group by snapshot_at, pool

),

final as (

    select
        pools.snapshot_at,
        pools.pool,
        {{ atlas_billing.money('coalesce(pools.pool_balance_usd, 0)') }} as pool_balance_usd,
        coalesce(lots_per_pool.active_lots, 0) as active_lots,
        {{ atlas_billing.money('coalesce(lots_per_pool.active_lots_usd, 0)') }} as active_lots_usd,
        {{ atlas_billing.money('coalesce(lots_per_pool.remaining_usd, 0)') }} as allocated_usd,
        {{ atlas_billing.money(
            'coalesce(pools.pool_balance_usd, 0) - coalesce(lots_per_pool.remaining_usd, 0)'
        ) }} as unexplained_usd

    from pools
    left join lots_per_pool
        on pools.snapshot_at = lots_per_pool.snapshot_at
        and pools.pool = lots_per_pool.pool

)

select * from final
