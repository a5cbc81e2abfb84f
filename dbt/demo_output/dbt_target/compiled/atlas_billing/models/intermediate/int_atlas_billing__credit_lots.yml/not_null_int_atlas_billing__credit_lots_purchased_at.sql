
    
    



select purchased_at
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"
where purchased_at is null


