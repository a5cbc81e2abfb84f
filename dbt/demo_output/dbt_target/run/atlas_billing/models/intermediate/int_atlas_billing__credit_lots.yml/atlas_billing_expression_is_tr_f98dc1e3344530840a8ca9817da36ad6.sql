
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"
where not coalesce((amount_usd > 0), false)


  
  
      
    ) dbt_internal_test