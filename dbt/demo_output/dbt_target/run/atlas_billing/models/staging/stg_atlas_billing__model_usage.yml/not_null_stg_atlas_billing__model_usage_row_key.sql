
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select row_key
from "atlas"."atlas_billing_models"."stg_atlas_billing__model_usage"
where row_key is null



  
  
      
    ) dbt_internal_test