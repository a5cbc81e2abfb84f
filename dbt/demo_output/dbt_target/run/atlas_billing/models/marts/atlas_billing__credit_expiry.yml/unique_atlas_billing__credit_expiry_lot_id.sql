
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    lot_id as unique_field,
    count(*) as n_records

from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where lot_id is not null
group by lot_id
having count(*) > 1



  
  
      
    ) dbt_internal_test