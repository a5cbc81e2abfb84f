
    
    



select amount_usd
from "atlas"."atlas_billing_models"."stg_atlas_billing__model_costs"
where amount_usd is null


