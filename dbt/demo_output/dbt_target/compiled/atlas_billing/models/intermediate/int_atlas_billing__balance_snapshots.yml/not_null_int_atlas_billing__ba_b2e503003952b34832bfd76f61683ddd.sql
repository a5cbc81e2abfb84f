
    
    



select credit_balance_usd
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_snapshots"
where credit_balance_usd is null


