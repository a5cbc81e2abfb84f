
    
    

select
    snapshot_at as unique_field,
    count(*) as n_records

from "atlas"."atlas_billing_models"."stg_atlas_billing__balance_snapshots"
where snapshot_at is not null
group by snapshot_at
having count(*) > 1


