
    
    



select usage_date
from "atlas"."atlas_billing_models"."stg_atlas_billing__model_usage"
where usage_date is null


