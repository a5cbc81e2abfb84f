
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select purchased_at
from "atlas"."atlas_billing_models"."stg_atlas_billing__credit_ledger"
where purchased_at is null



  
  
      
    ) dbt_internal_test