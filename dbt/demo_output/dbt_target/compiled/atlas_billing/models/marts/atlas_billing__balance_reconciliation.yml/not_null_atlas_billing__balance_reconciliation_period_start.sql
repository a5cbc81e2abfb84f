
    
    



select period_start
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where period_start is null


