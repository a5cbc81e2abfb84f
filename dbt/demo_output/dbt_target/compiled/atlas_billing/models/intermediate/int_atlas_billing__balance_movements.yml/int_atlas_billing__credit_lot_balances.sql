
-- Fixture for int_atlas_billing__credit_lot_balances
select 
    
    cast('2025-03-01 00:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('old' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", cast(null as character varying(256)) as "kind", cast(null as character varying(256)) as "pool", cast(null as TIMESTAMP) as "purchased_at", 
    
    cast('2026-02-01 00:00:00' as TIMESTAMP)
 as "expires_at", cast(null as DECIMAL(38,9)) as "amount_usd", cast(null as character varying(256)) as "lot_source", cast(null as DECIMAL(38,9)) as "pool_balance_usd", 
    
    cast(96 as DECIMAL(38,9))
 as "remaining_usd"
union all
select 
    
    cast('2025-03-01 00:00:00' as TIMESTAMP)
 as "snapshot_at", 
    
    cast('promo' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", cast(null as character varying(256)) as "kind", cast(null as character varying(256)) as "pool", cast(null as TIMESTAMP) as "purchased_at", 
    
    cast('2025-03-01 18:00:00' as TIMESTAMP)
 as "expires_at", cast(null as DECIMAL(38,9)) as "amount_usd", cast(null as character varying(256)) as "lot_source", cast(null as DECIMAL(38,9)) as "pool_balance_usd", 
    
    cast(4 as DECIMAL(38,9))
 as "remaining_usd"