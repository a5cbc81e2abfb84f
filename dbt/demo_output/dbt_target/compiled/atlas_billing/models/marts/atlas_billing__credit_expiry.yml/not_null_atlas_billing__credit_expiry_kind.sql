
    
    



select kind
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where kind is null


