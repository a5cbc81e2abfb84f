
    
    



select closing_balance_usd
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where closing_balance_usd is null


