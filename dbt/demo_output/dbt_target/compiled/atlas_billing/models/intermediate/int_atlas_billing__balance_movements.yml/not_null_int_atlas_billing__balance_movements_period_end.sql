
    
    



select period_end
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_movements"
where period_end is null


