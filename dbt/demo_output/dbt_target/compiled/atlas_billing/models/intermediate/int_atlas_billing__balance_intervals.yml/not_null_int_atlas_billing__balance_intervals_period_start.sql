
    
    



select period_start
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"
where period_start is null


