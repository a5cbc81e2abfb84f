
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where not coalesce((is_pool_explained), false)


  
  
      
    ) dbt_internal_test