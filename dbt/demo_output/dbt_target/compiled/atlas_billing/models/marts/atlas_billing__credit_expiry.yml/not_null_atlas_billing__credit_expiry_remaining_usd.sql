
    
    



select remaining_usd
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where remaining_usd is null


