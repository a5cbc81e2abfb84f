
-- Fixture for stg_atlas_billing__model_usage
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-06' as DATE)
 as "usage_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast('ak_1' as character varying)
 as "api_key_id", 
    
    cast(False as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-07 00:00:00' as TIMESTAMP)
 as "covered_until", 
    
    cast(4 as BIGINT)
 as "requests", 
    
    cast(1500000 as BIGINT)
 as "input_tokens", 
    
    cast(500000 as BIGINT)
 as "output_tokens", cast(null as BIGINT) as "images", cast(null as BIGINT) as "videos"
union all
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-07' as DATE)
 as "usage_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast(null as character varying(256))
 as "api_key_id", 
    
    cast(False as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-08 00:00:00' as TIMESTAMP)
 as "covered_until", 
    
    cast(3 as BIGINT)
 as "requests", 
    
    cast(1000 as BIGINT)
 as "input_tokens", 
    
    cast(2000 as BIGINT)
 as "output_tokens", cast(null as BIGINT) as "images", cast(null as BIGINT) as "videos"
union all
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-10' as DATE)
 as "usage_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('pix-2' as character varying)
 as "model", 
    
    cast('ak_1' as character varying)
 as "api_key_id", 
    
    cast(True as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-10 15:00:00' as TIMESTAMP)
 as "covered_until", 
    
    cast(2 as BIGINT)
 as "requests", cast(null as BIGINT) as "input_tokens", cast(null as BIGINT) as "output_tokens", 
    
    cast(5 as BIGINT)
 as "images", cast(null as BIGINT) as "videos"