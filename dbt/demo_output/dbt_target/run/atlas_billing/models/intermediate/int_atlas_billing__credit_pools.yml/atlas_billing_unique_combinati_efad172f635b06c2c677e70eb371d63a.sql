
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

with grouped as (
    select
        snapshot_at, pool,
        count(*) as n_rows
    from "atlas"."atlas_billing_models"."int_atlas_billing__credit_pools"
    group by snapshot_at, pool
)

select * from grouped where n_rows > 1


  
  
      
    ) dbt_internal_test