
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where not coalesce((not is_expiring_soon or (remaining_usd > 0 and days_to_expiry <= 30)), false)


  
  
      
    ) dbt_internal_test