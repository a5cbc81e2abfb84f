
    
    



select is_partial
from "atlas"."atlas_billing_models"."stg_atlas_billing__daily_cost_totals"
where is_partial is null


