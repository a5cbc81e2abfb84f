with  __dbt__cte__int_atlas_billing__credit_lots as (

-- Fixture for int_atlas_billing__credit_lots
select 
    
    cast('p1' as character varying)
 as "lot_id", 
    
    cast(1 as BIGINT)
 as "ledger_row", 
    
    cast('purchase' as character varying)
 as "kind", 
    
    cast('cash' as character varying)
 as "pool", 
    
    cast('2025-01-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2025-04-01 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(50 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('b1' as character varying)
 as "lot_id", 
    
    cast(2 as BIGINT)
 as "ledger_row", 
    
    cast('bonus' as character varying)
 as "kind", 
    
    cast('bonus' as character varying)
 as "pool", 
    
    cast('2025-01-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2025-04-10 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(10 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('p2' as character varying)
 as "lot_id", 
    
    cast(3 as BIGINT)
 as "ledger_row", 
    
    cast('purchase' as character varying)
 as "kind", 
    
    cast('cash' as character varying)
 as "pool", 
    
    cast('2025-02-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-02-01 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(30 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('promo' as character varying)
 as "lot_id", 
    
    cast(4 as BIGINT)
 as "ledger_row", 
    
    cast('promotion' as character varying)
 as "kind", 
    
    cast('bonus' as character varying)
 as "pool", 
    
    cast('2025-03-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2025-03-19 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(10 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('later' as character varying)
 as "lot_id", 
    
    cast(5 as BIGINT)
 as "ledger_row", 
    
    cast('purchase' as character varying)
 as "kind", 
    
    cast('cash' as character varying)
 as "pool", 
    
    cast('2025-03-22 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-03-22 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(25 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
),  __dbt__cte__int_atlas_billing__balance_snapshots as (

-- Fixture for int_atlas_billing__balance_snapshots
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", cast(null as DECIMAL(38,9)) as "cash_usd", cast(null as DECIMAL(38,9)) as "bonus_usd", cast(null as DECIMAL(38,9)) as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", cast(null as character varying(256)) as "costs_scope", cast(null as DATE) as "partial_day_date", cast(null as DECIMAL(38,9)) as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", cast(null as DECIMAL(38,9)) as "credit_balance_usd"
union all
select 
    
    cast('2025-03-25 00:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", cast(null as DECIMAL(38,9)) as "cash_usd", cast(null as DECIMAL(38,9)) as "bonus_usd", cast(null as DECIMAL(38,9)) as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", cast(null as character varying(256)) as "costs_scope", cast(null as DATE) as "partial_day_date", cast(null as DECIMAL(38,9)) as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", cast(null as DECIMAL(38,9)) as "credit_balance_usd"
),  __dbt__cte__int_atlas_billing__credit_lot_balances as (

-- Fixture for int_atlas_billing__credit_lot_balances
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('p1' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", cast(null as character varying(256)) as "kind", cast(null as character varying(256)) as "pool", cast(null as TIMESTAMP) as "purchased_at", cast(null as TIMESTAMP) as "expires_at", cast(null as DECIMAL(38,9)) as "amount_usd", cast(null as character varying(256)) as "lot_source", cast(null as DECIMAL(38,9)) as "pool_balance_usd", 
    
    cast(5 as DECIMAL(38,9))
 as "remaining_usd"
union all
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('p2' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", cast(null as character varying(256)) as "kind", cast(null as character varying(256)) as "pool", cast(null as TIMESTAMP) as "purchased_at", cast(null as TIMESTAMP) as "expires_at", cast(null as DECIMAL(38,9)) as "amount_usd", cast(null as character varying(256)) as "lot_source", cast(null as DECIMAL(38,9)) as "pool_balance_usd", 
    
    cast(30 as DECIMAL(38,9))
 as "remaining_usd"
union all
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('b1' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", cast(null as character varying(256)) as "kind", cast(null as character varying(256)) as "pool", cast(null as TIMESTAMP) as "purchased_at", cast(null as TIMESTAMP) as "expires_at", cast(null as DECIMAL(38,9)) as "amount_usd", cast(null as character varying(256)) as "lot_source", cast(null as DECIMAL(38,9)) as "pool_balance_usd", 
    
    cast(10 as DECIMAL(38,9))
 as "remaining_usd"
union all
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('promo' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", cast(null as character varying(256)) as "kind", cast(null as character varying(256)) as "pool", cast(null as TIMESTAMP) as "purchased_at", cast(null as TIMESTAMP) as "expires_at", cast(null as DECIMAL(38,9)) as "amount_usd", cast(null as character varying(256)) as "lot_source", cast(null as DECIMAL(38,9)) as "pool_balance_usd", 
    
    cast(7 as DECIMAL(38,9))
 as "remaining_usd"
union all
select 
    
    cast('2025-03-25 00:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('p2' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", cast(null as character varying(256)) as "kind", cast(null as character varying(256)) as "pool", cast(null as TIMESTAMP) as "purchased_at", cast(null as TIMESTAMP) as "expires_at", cast(null as DECIMAL(38,9)) as "amount_usd", cast(null as character varying(256)) as "lot_source", cast(null as DECIMAL(38,9)) as "pool_balance_usd", 
    
    cast(1 as DECIMAL(38,9))
 as "remaining_usd"
),  __dbt__cte__int_atlas_billing__credit_pools as (

-- Fixture for int_atlas_billing__credit_pools
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('cash' as character varying)
 as "pool", 
    
    cast(35 as DECIMAL(38,9))
 as "pool_balance_usd", cast(null as BIGINT) as "active_lots", cast(null as DECIMAL(38,9)) as "active_lots_usd", cast(null as DECIMAL(38,9)) as "allocated_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "unexplained_usd"
union all
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('bonus' as character varying)
 as "pool", 
    
    cast(20 as DECIMAL(38,9))
 as "pool_balance_usd", cast(null as BIGINT) as "active_lots", cast(null as DECIMAL(38,9)) as "active_lots_usd", cast(null as DECIMAL(38,9)) as "allocated_usd", 
    
    cast(3 as DECIMAL(38,9))
 as "unexplained_usd"
),  __dbt__cte__int_atlas_billing__burn_rates as (

-- Fixture for int_atlas_billing__burn_rates
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as DECIMAL(38,9)) as "trailing_spend_drawn_usd", cast(null as DECIMAL(38,9)) as "trailing_days", 
    
    cast(2 as DECIMAL(38,9))
 as "burn_rate_usd_per_day"
union all
select 
    
    cast('2025-03-25 00:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as DECIMAL(38,9)) as "trailing_spend_drawn_usd", cast(null as DECIMAL(38,9)) as "trailing_days", 
    
    cast(9 as DECIMAL(38,9))
 as "burn_rate_usd_per_day"
), lots as (

    select * from __dbt__cte__int_atlas_billing__credit_lots

),

snapshots as (

    select * from __dbt__cte__int_atlas_billing__balance_snapshots

),

as_of as (

    select
        cast('2025-03-20 00:00:00' as timestamp) as as_of_at

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
    from __dbt__cte__int_atlas_billing__credit_lot_balances as lot_balances
    inner join balance_snapshot
        on lot_balances.snapshot_at = balance_snapshot.snapshot_at

),

pools as (

    select pools.*
    from __dbt__cte__int_atlas_billing__credit_pools as pools
    inner join balance_snapshot
        on pools.snapshot_at = balance_snapshot.snapshot_at

),

burn_rate as (

    select burn_rates.burn_rate_usd_per_day
    from __dbt__cte__int_atlas_billing__burn_rates as burn_rates
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