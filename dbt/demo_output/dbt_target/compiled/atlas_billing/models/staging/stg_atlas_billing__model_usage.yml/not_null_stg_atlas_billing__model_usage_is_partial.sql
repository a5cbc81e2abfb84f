
    
    



select is_partial
from "atlas"."atlas_billing_models"."stg_atlas_billing__model_usage"
where is_partial is null


