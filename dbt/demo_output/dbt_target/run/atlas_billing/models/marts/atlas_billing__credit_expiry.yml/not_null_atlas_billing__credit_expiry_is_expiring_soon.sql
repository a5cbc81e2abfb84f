
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select is_expiring_soon
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where is_expiring_soon is null



  
  
      
    ) dbt_internal_test