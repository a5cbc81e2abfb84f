
    
    



select purchased_at
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where purchased_at is null


