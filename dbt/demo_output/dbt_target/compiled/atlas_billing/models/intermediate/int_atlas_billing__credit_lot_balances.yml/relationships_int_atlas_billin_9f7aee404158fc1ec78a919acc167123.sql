
    
    

with child as (
    select lot_id as from_field
    from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lot_balances"
    where lot_id is not null
),

parent as (
    select lot_id as to_field
    from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


