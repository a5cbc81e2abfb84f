
    
    



select period_end
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where period_end is null


