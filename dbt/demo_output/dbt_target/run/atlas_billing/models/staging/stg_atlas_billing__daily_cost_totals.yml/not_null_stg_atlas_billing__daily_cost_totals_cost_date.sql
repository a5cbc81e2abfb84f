
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select cost_date
from "atlas"."atlas_billing_models"."stg_atlas_billing__daily_cost_totals"
where cost_date is null



  
  
      
    ) dbt_internal_test