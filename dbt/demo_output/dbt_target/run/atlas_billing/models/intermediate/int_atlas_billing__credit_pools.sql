
  
  create view "atlas"."atlas_billing_models"."int_atlas_billing__credit_pools__dbt_tmp" as (
    with snapshots as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__balance_snapshots"

),

lot_balances as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lot_balances"

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
        cast(coalesce(pools.pool_balance_usd, 0) as numeric(38, 9)) as pool_balance_usd,
        coalesce(lots_per_pool.active_lots, 0) as active_lots,
        cast(coalesce(lots_per_pool.active_lots_usd, 0) as numeric(38, 9)) as active_lots_usd,
        cast(coalesce(lots_per_pool.remaining_usd, 0) as numeric(38, 9)) as allocated_usd,
        cast(coalesce(pools.pool_balance_usd, 0) - coalesce(lots_per_pool.remaining_usd, 0) as numeric(38, 9)) as unexplained_usd

    from pools
    left join lots_per_pool
        on pools.snapshot_at = lots_per_pool.snapshot_at
        and pools.pool = lots_per_pool.pool

)

select * from final
  );
