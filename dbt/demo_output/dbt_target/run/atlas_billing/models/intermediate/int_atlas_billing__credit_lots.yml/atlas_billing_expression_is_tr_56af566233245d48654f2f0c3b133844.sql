
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"
where not coalesce((expires_at > purchased_at), false)


  
  
      
    ) dbt_internal_test