
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