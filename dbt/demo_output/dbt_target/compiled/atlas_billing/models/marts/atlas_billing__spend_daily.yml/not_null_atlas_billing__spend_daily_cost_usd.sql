
    
    



select cost_usd
from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
where cost_usd is null


