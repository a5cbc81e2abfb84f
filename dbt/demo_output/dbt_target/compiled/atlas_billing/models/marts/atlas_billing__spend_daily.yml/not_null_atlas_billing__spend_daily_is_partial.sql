
    
    



select is_partial
from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
where is_partial is null


