
    
    

with all_values as (

    select
        kind as value_field,
        count(*) as n_records

    from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
    group by kind

)

select *
from all_values
where value_field not in (
    'purchase','bonus','referral','promotion','subscription'
)


