
    
    



select partial_day_date
from "atlas"."atlas_billing_models"."stg_atlas_billing__balance_snapshots"
where partial_day_date is null


