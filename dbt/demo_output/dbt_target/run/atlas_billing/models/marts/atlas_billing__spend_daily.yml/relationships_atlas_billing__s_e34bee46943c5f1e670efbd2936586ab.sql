
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with child as (
    select model as from_field
    from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
    where model is not null
),

parent as (
    select model as to_field
    from "atlas"."atlas_billing_models"."stg_atlas_billing__models"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null



  
  
      
    ) dbt_internal_test