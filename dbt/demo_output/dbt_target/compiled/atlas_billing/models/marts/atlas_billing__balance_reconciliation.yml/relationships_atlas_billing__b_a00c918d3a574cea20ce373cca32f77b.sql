
    
    

with child as (
    select period_end as from_field
    from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
    where period_end is not null
),

parent as (
    select snapshot_at as to_field
    from "atlas"."atlas_billing_models"."atlas_billing__balance_history"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


