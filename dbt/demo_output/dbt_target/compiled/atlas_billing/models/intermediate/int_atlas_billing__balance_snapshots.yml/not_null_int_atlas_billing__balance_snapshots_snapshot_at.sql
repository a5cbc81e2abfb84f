
    
    



select snapshot_at
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_snapshots"
where snapshot_at is null


