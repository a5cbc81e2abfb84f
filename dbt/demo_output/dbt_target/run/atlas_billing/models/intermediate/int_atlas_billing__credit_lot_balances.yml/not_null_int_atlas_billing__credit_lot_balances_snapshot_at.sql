
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select snapshot_at
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lot_balances"
where snapshot_at is null



  
  
      
    ) dbt_internal_test