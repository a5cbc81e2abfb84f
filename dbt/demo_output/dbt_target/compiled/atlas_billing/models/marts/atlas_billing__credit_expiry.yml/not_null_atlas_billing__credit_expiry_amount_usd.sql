
    
    



select amount_usd
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where amount_usd is null


