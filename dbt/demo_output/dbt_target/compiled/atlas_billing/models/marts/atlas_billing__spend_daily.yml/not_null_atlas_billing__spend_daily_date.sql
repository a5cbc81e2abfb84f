
    
    



select date
from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
where date is null


