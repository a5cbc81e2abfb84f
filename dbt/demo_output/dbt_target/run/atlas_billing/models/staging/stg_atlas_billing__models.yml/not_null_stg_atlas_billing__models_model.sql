
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select model
from "atlas"."atlas_billing_models"."stg_atlas_billing__models"
where model is null



  
  
      
    ) dbt_internal_test