
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select partial_day_date
from "atlas"."atlas_billing_models"."stg_atlas_billing__balance_snapshots"
where partial_day_date is null



  
  
      
    ) dbt_internal_test