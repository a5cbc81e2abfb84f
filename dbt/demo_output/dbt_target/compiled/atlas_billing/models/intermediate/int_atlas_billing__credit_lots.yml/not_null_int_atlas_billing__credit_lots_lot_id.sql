
    
    



select lot_id
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"
where lot_id is null


