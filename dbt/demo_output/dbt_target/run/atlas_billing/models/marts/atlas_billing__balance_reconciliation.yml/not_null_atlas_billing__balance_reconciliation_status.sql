
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select status
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where status is null



  
  
      
    ) dbt_internal_test