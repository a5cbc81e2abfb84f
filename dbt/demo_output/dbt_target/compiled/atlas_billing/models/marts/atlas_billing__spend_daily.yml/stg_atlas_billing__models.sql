
-- Fixture for stg_atlas_billing__models
select 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast('text' as character varying)
 as "model_type"
union all
select 
    
    cast('pix-2' as character varying)
 as "model", 
    
    cast('image' as character varying)
 as "model_type"