
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."atlas_billing__balance_history"
where not coalesce((runway_days_to_storage_minimum is null or runway_days_to_storage_minimum <= runway_days_to_model_api_minimum), false)


  
  
      
    ) dbt_internal_test