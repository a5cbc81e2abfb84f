
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    cost_date as unique_field,
    count(*) as n_records

from "atlas"."atlas_billing_models"."stg_atlas_billing__daily_cost_totals"
where cost_date is not null
group by cost_date
having count(*) > 1



  
  
      
    ) dbt_internal_test