
    
    



select available_usd
from "atlas"."atlas_billing_models"."stg_atlas_billing__balance_snapshots"
where available_usd is null


