
    
    



select cost_date
from "atlas"."atlas_billing_models"."stg_atlas_billing__daily_cost_totals"
where cost_date is null


