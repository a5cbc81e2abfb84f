
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_movements"
where not coalesce((model_spend_usd is null or spend_drawn_usd = model_spend_usd + other_spend_usd), false)


  
  
      
    ) dbt_internal_test