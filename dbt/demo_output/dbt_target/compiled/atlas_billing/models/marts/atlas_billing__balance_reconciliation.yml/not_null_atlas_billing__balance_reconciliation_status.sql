
    
    



select status
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where status is null


