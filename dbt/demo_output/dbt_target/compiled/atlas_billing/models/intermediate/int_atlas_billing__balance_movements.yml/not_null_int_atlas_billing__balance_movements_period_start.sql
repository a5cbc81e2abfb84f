
    
    



select period_start
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_movements"
where period_start is null


