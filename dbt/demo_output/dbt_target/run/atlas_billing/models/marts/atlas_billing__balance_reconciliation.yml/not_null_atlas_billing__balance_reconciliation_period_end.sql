
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select period_end
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where period_end is null



  
  
      
    ) dbt_internal_test