
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select is_final
from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
where is_final is null



  
  
      
    ) dbt_internal_test