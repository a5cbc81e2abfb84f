
    
    



select available_usd
from "atlas"."atlas_billing_models"."atlas_billing__balance_history"
where available_usd is null


