
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select lot_id
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"
where lot_id is null



  
  
      
    ) dbt_internal_test