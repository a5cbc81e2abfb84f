
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
where not coalesce((not (is_final and is_partial)), false)


  
  
      
    ) dbt_internal_test