
    
    



select opening_balance_usd
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where opening_balance_usd is null


