
    
    

select
    row_key as unique_field,
    count(*) as n_records

from "atlas"."atlas_billing_models"."stg_atlas_billing__model_usage"
where row_key is not null
group by row_key
having count(*) > 1


