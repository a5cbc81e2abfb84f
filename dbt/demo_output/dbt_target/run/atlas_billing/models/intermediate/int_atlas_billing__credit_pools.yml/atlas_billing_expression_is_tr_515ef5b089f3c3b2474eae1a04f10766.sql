
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_pools"
where not coalesce((allocated_usd <= active_lots_usd), false)


  
  
      
    ) dbt_internal_test