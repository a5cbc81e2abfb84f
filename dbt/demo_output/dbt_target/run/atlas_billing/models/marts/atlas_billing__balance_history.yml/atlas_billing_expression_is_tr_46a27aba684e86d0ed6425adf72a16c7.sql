
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."atlas_billing__balance_history"
where not coalesce((available_usd = coalesce(cash_usd, 0) + coalesce(bonus_usd, 0) + coalesce(subscription_bonus_usd, 0) - coalesce(frozen_usd, 0)), false)


  
  
      
    ) dbt_internal_test