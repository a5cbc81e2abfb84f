
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        costs_scope as value_field,
        count(*) as n_records

    from "atlas"."atlas_billing_models"."stg_atlas_billing__balance_snapshots"
    group by costs_scope

)

select *
from all_values
where value_field not in (
    'account','self'
)



  
  
      
    ) dbt_internal_test