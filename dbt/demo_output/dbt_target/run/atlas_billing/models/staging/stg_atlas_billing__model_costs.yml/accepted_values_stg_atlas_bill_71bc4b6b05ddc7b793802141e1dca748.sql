
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        scope as value_field,
        count(*) as n_records

    from "atlas"."atlas_billing_models"."stg_atlas_billing__model_costs"
    group by scope

)

select *
from all_values
where value_field not in (
    'account','self'
)



  
  
      
    ) dbt_internal_test