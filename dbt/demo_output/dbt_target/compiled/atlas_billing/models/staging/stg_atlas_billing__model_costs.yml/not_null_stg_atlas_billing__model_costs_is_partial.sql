
    
    



select is_partial
from "atlas"."atlas_billing_models"."stg_atlas_billing__model_costs"
where is_partial is null


