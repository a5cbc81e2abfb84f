
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