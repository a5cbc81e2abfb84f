
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select period_start
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"
where period_start is null



  
  
      
    ) dbt_internal_test