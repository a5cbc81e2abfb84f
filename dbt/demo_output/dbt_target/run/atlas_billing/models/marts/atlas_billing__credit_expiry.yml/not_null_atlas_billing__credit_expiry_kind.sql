
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select kind
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where kind is null



  
  
      
    ) dbt_internal_test