
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    period_end as unique_field,
    count(*) as n_records

from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where period_end is not null
group by period_end
having count(*) > 1



  
  
      
    ) dbt_internal_test