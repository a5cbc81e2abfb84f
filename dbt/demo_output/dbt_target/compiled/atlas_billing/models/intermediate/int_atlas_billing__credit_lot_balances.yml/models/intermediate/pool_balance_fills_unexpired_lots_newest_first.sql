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
    
    cast('2026-01-01 00:00:00' as TIMESTAMP)
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
    
    cast('2026-01-01 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(10 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('r1' as character varying)
 as "lot_id", 
    
    cast(3 as BIGINT)
 as "ledger_row", 
    
    cast('referral' as character varying)
 as "kind", 
    
    cast('bonus' as character varying)
 as "pool", 
    
    cast('2025-01-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-01-01 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(12 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('p2' as character varying)
 as "lot_id", 
    
    cast(4 as BIGINT)
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
    
    cast('p3' as character varying)
 as "lot_id", 
    
    cast(5 as BIGINT)
 as "ledger_row", 
    
    cast('purchase' as character varying)
 as "kind", 
    
    cast('cash' as character varying)
 as "pool", 
    
    cast('2025-03-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2025-03-10 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(20 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('pA' as character varying)
 as "lot_id", 
    
    cast(6 as BIGINT)
 as "ledger_row", 
    
    cast('purchase' as character varying)
 as "kind", 
    
    cast('cash' as character varying)
 as "pool", 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-03-15 12:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(25 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
),  __dbt__cte__int_atlas_billing__balance_snapshots as (

-- Fixture for int_atlas_billing__balance_snapshots
select 
    
    cast('2025-03-10 00:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(70 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(22 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", cast(null as character varying(256)) as "costs_scope", cast(null as DATE) as "partial_day_date", cast(null as DECIMAL(38,9)) as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", cast(null as DECIMAL(38,9)) as "credit_balance_usd"
union all
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(60 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(15 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", cast(null as character varying(256)) as "costs_scope", cast(null as DATE) as "partial_day_date", cast(null as DECIMAL(38,9)) as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", cast(null as DECIMAL(38,9)) as "credit_balance_usd"
), lots as (

    select * from __dbt__cte__int_atlas_billing__credit_lots

),

snapshots as (

    select * from __dbt__cte__int_atlas_billing__balance_snapshots

),

active_lots as (

    select
        snapshots.snapshot_at,
        lots.lot_id,
        lots.ledger_row,
        lots.kind,
        lots.pool,
        lots.purchased_at,
        lots.expires_at,
        lots.amount_usd,
        lots.lot_source,
        case lots.pool
            when 'cash' then snapshots.cash_usd
            when 'bonus' then snapshots.bonus_usd
            when 'subscription' then snapshots.subscription_bonus_usd
        end as pool_balance_usd

    from snapshots
    inner join lots
        on lots.purchased_at <= snapshots.snapshot_at
        and lots.expires_at > snapshots.snapshot_at

),

with_newer_lots as (

    select
        *,
        coalesce(
            sum(amount_usd) over (
                partition by snapshot_at, pool
                order by purchased_at desc, coalesce(ledger_row, 0) desc, lot_id desc
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as newer_lots_usd

    from active_lots

),

final as (

    select
        snapshot_at,
        lot_id,
        ledger_row,
        kind,
        pool,
        purchased_at,
        expires_at,
        amount_usd,
        lot_source,
        pool_balance_usd,
        cast(least(amount_usd, greatest(coalesce(pool_balance_usd, 0) - newer_lots_usd, 0)) as numeric(38, 9)) as remaining_usd

    from with_newer_lots

)

select * from final