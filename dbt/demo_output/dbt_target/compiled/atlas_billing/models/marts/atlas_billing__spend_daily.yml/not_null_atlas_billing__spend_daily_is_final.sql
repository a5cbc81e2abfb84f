
    
    



select is_final
from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
where is_final is null


