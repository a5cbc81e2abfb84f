
    
    



select snapshot_at
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lot_balances"
where snapshot_at is null


