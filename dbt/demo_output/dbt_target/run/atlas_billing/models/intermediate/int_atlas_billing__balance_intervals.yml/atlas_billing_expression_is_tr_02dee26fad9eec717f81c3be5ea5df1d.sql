
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"
where not coalesce((balance_change_usd = closing_balance_usd - opening_balance_usd), false)


  
  
      
    ) dbt_internal_test