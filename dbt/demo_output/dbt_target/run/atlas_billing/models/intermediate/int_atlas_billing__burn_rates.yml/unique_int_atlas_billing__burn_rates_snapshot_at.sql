
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    snapshot_at as unique_field,
    count(*) as n_records

from "atlas"."atlas_billing_models"."int_atlas_billing__burn_rates"
where snapshot_at is not null
group by snapshot_at
having count(*) > 1



  
  
      
    ) dbt_internal_test