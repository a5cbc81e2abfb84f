
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select cost_usd
from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
where cost_usd is null



  
  
      
    ) dbt_internal_test