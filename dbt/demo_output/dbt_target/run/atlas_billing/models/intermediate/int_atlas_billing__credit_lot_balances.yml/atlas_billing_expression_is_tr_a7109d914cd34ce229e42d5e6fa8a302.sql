
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lot_balances"
where not coalesce((remaining_usd >= 0 and remaining_usd <= amount_usd), false)


  
  
      
    ) dbt_internal_test