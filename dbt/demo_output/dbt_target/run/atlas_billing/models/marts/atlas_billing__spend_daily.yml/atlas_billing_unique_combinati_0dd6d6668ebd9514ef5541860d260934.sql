
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

with grouped as (
    select
        date, api_key_id, model,
        count(*) as n_rows
    from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
    group by date, api_key_id, model
)

select * from grouped where n_rows > 1


  
  
      
    ) dbt_internal_test