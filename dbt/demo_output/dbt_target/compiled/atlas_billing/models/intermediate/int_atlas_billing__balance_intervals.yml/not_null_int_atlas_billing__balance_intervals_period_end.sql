
    
    



select period_end
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"
where period_end is null


