
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select closing_balance_usd
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where closing_balance_usd is null



  
  
      
    ) dbt_internal_test