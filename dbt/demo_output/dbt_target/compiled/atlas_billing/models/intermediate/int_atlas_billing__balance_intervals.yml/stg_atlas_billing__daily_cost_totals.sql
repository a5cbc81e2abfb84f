
-- Fixture for stg_atlas_billing__daily_cost_totals
select 
    
    cast('2025-01-02' as DATE)
 as "cost_date", cast(null as character varying(256)) as "scope", 
    
    cast(8 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency", 
    
    cast(False as BOOLEAN)
 as "is_partial", cast(null as TIMESTAMP) as "covered_until"
union all
select 
    
    cast('2025-01-03' as DATE)
 as "cost_date", cast(null as character varying(256)) as "scope", 
    
    cast(10 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency", 
    
    cast(False as BOOLEAN)
 as "is_partial", cast(null as TIMESTAMP) as "covered_until"
union all
select 
    
    cast('2025-01-04' as DATE)
 as "cost_date", cast(null as character varying(256)) as "scope", 
    
    cast(7 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency", 
    
    cast(False as BOOLEAN)
 as "is_partial", cast(null as TIMESTAMP) as "covered_until"
union all
select 
    
    cast('2025-01-06' as DATE)
 as "cost_date", cast(null as character varying(256)) as "scope", 
    
    cast(9 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency", 
    
    cast(False as BOOLEAN)
 as "is_partial", cast(null as TIMESTAMP) as "covered_until"
union all
select 
    
    cast('2025-01-07' as DATE)
 as "cost_date", cast(null as character varying(256)) as "scope", 
    
    cast(2 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency", 
    
    cast(True as BOOLEAN)
 as "is_partial", cast(null as TIMESTAMP) as "covered_until"