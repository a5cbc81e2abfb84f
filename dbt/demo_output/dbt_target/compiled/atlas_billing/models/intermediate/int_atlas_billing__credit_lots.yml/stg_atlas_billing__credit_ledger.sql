
-- Fixture for stg_atlas_billing__credit_ledger
select 
    
    cast('promo_1' as character varying)
 as "lot_id", 
    
    cast(2 as BIGINT)
 as "ledger_row", 
    
    cast('2025-01-05 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('promotion' as character varying)
 as "kind", 
    
    cast(10 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast('2025-04-05 00:00:00' as TIMESTAMP)
 as "expires_at"
union all
select 
    
    cast(null as character varying(256))
 as "lot_id", 
    
    cast(1 as BIGINT)
 as "ledger_row", 
    
    cast('2025-01-01 00:00:00' as TIMESTAMP)
 as "purchased_at", 
    
    cast('purchase' as character varying)
 as "kind", 
    
    cast(100 as DECIMAL(38,9))
 as "amount_usd", 
    
    cast(null as TIMESTAMP)
 as "expires_at"