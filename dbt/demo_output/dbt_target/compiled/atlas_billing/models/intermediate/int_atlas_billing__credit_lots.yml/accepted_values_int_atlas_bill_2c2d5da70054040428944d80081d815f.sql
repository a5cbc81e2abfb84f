
    
    

with all_values as (

    select
        pool as value_field,
        count(*) as n_records

    from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"
    group by pool

)

select *
from all_values
where value_field not in (
    'cash','bonus','subscription'
)


