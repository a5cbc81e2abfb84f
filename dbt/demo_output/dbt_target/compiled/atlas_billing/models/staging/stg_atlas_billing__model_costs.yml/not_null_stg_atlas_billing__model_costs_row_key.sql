
    
    



select row_key
from "atlas"."atlas_billing_models"."stg_atlas_billing__model_costs"
where row_key is null


