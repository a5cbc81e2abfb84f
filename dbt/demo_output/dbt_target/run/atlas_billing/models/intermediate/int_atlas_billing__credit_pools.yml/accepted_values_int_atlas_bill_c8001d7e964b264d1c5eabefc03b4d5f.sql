
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        pool as value_field,
        count(*) as n_records

    from "atlas"."atlas_billing_models"."int_atlas_billing__credit_pools"
    group by pool

)

select *
from all_values
where value_field not in (
    'cash','bonus','subscription'
)



  
  
      
    ) dbt_internal_test