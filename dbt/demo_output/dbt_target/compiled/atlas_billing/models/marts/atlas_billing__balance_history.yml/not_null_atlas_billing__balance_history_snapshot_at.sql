
    
    



select snapshot_at
from "atlas"."atlas_billing_models"."atlas_billing__balance_history"
where snapshot_at is null


