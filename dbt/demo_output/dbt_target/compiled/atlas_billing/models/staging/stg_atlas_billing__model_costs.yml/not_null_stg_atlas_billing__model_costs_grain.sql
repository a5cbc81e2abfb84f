
    
    



select grain
from "atlas"."atlas_billing_models"."stg_atlas_billing__model_costs"
where grain is null


