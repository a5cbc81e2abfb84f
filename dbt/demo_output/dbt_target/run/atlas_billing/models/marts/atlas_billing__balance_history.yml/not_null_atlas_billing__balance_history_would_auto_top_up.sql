
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select would_auto_top_up
from "atlas"."atlas_billing_models"."atlas_billing__balance_history"
where would_auto_top_up is null



  
  
      
    ) dbt_internal_test