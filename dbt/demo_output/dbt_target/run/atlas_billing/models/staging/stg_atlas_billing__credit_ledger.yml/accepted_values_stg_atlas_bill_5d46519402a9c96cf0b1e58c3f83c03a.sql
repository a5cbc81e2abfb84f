
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        kind as value_field,
        count(*) as n_records

    from "atlas"."atlas_billing_models"."stg_atlas_billing__credit_ledger"
    group by kind

)

select *
from all_values
where value_field not in (
    'purchase','bonus','referral','promotion','subscription'
)



  
  
      
    ) dbt_internal_test