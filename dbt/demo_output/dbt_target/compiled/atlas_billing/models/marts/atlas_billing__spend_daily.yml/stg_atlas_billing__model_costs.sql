
-- Fixture for stg_atlas_billing__model_costs
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-06' as DATE)
 as "cost_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast('ak_1' as character varying)
 as "api_key_id", 
    
    cast(False as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-07 00:00:00' as TIMESTAMP)
 as "covered_until", cast(null as TIMESTAMP) as "start_at", cast(null as TIMESTAMP) as "end_at", 
    
    cast(2 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency"
union all
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-07' as DATE)
 as "cost_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast(null as character varying(256))
 as "api_key_id", 
    
    cast(False as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-08 00:00:00' as TIMESTAMP)
 as "covered_until", cast(null as TIMESTAMP) as "start_at", cast(null as TIMESTAMP) as "end_at", 
    
    cast(3 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency"
union all
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-10' as DATE)
 as "cost_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('pix-2' as character varying)
 as "model", 
    
    cast('ak_1' as character varying)
 as "api_key_id", 
    
    cast(True as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-10 15:00:00' as TIMESTAMP)
 as "covered_until", cast(null as TIMESTAMP) as "start_at", cast(null as TIMESTAMP) as "end_at", 
    
    cast(0.5 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency"