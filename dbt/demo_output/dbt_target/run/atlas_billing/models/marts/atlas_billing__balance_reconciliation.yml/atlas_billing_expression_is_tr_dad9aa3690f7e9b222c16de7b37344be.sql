
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where not coalesce((period_end > period_start), false)


  
  
      
    ) dbt_internal_test