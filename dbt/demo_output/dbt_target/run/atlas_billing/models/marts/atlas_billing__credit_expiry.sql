
    

    create  table
      "atlas"."atlas_billing_models"."atlas_billing__credit_expiry__dbt_tmp"
  
    
    as (
      with lots as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"

),

snapshots as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__balance_snapshots"

),

as_of as (

    select
        (select max(snapshot_at) from "atlas"."atlas_billing_models"."int_atlas_billing__balance_snapshots") as as_of_at

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
    from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lot_balances" as lot_balances
    inner join balance_snapshot
        on lot_balances.snapshot_at = balance_snapshot.snapshot_at

),

pools as (

    select pools.*
    from "atlas"."atlas_billing_models"."int_atlas_billing__credit_pools" as pools
    inner join balance_snapshot
        on pools.snapshot_at = balance_snapshot.snapshot_at

),

burn_rate as (

    select burn_rates.burn_rate_usd_per_day
    from "atlas"."atlas_billing_models"."int_atlas_billing__burn_rates" as burn_rates
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
            when lots.expires_at <= balance_snapshot.as_of_at then cast(0 as numeric(38, 9))
            else cast(coalesce(lot_balances.remaining_usd, 0) as numeric(38, 9))
        end as remaining_usd,
        case lots.pool when 'subscription' then 1 when 'cash' then 2 else 3 end as draw_order

    from lots
    cross join balance_snapshot
    left join lot_balances
        on lots.lot_id = lot_balances.lot_id
    where lots.purchased_at <= balance_snapshot.as_of_at

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
        cast(
        (date_diff('second', as_of_at::timestamp, expires_at::timestamp ))
     / 86400 as numeric(38, 9)) as days_until_expiry_exact

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
        
        (date_diff('day', cast(lots.as_of_at as date)::timestamp, cast(lots.expires_at as date)::timestamp ))
    
            as days_to_expiry,
        lots.is_expired,
        (
            lots.remaining_usd > 0
            and not lots.is_expired
            and lots.expires_at <= 

    (lots.as_of_at + cast(30 as bigint) * interval 1 day)
        ) as is_expiring_soon,
        burn_rate.burn_rate_usd_per_day,
        case
            when lots.remaining_usd = 0 then cast(0 as numeric(38, 9))
            when burn_rate.burn_rate_usd_per_day is null then null
            else cast(lots.remaining_usd - least(lots.remaining_usd, greatest(burn_rate.burn_rate_usd_per_day * lots.days_until_expiry_exact - lots.remaining_ahead_usd, 0)) as numeric(38, 9))
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
    );
    
  