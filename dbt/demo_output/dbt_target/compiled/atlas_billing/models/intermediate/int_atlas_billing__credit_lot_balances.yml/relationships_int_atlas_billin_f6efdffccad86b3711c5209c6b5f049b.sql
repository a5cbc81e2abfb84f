
    
    

with child as (
    select snapshot_at as from_field
    from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lot_balances"
    where snapshot_at is not null
),

parent as (
    select snapshot_at as to_field
    from "atlas"."atlas_billing_models"."int_atlas_billing__balance_snapshots"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


