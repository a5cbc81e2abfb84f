
-- Fixture for int_atlas_billing__credit_lots
select 
    
    cast('old' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", 
    
    cast('purchase' as character varying)
 as "kind", cast(null as character varying(256)) as "pool", 
    
    cast('2025-02-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-02-01 00:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(100 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('promo' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", 
    
    cast('promotion' as character varying)
 as "kind", cast(null as character varying(256)) as "pool", 
    
    cast('2025-01-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2025-03-01 18:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(10 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"
union all
select 
    
    cast('new' as character varying)
 as "lot_id", cast(null as BIGINT) as "ledger_row", 
    
    cast('purchase' as character varying)
 as "kind", cast(null as character varying(256)) as "pool", 
    
    cast('2025-03-01 12:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('2026-03-01 12:00:00' as TIMESTAMP)
 as "expires_at", 
    
    cast(30 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('ledger' as character varying)
 as "lot_source"