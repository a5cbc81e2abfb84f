
    
    



select amount_usd
from "atlas"."atlas_billing_models"."stg_atlas_billing__daily_cost_totals"
where amount_usd is null


