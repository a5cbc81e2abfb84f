
    
    



select expires_at
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where expires_at is null


