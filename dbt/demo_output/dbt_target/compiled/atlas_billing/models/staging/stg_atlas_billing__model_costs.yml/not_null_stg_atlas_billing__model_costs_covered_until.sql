
    
    



select covered_until
from "atlas"."atlas_billing_models"."stg_atlas_billing__model_costs"
where covered_until is null


