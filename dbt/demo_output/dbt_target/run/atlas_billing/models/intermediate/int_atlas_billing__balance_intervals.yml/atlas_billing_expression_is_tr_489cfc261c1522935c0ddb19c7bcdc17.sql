
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"
where not coalesce((period_days > 0), false)


  
  
      
    ) dbt_internal_test