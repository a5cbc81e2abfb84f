
    
    



select grain
from "atlas"."atlas_billing_models"."stg_atlas_billing__model_usage"
where grain is null


