
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select credit_balance_usd
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_snapshots"
where credit_balance_usd is null



  
  
      
    ) dbt_internal_test