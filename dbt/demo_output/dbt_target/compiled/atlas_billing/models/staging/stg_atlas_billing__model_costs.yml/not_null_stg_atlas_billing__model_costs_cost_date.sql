
    
    



select cost_date
from "atlas"."atlas_billing_models"."stg_atlas_billing__model_costs"
where cost_date is null


