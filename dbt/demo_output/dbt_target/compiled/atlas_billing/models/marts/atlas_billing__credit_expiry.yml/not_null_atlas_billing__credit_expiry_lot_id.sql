
    
    



select lot_id
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where lot_id is null


