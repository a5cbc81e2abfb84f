
    
    



select is_expiring_soon
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where is_expiring_soon is null


