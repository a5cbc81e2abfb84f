
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where not coalesce((projected_unused_usd is null or (projected_unused_usd >= 0 and projected_unused_usd <= remaining_usd)), false)


  
  
      
    ) dbt_internal_test