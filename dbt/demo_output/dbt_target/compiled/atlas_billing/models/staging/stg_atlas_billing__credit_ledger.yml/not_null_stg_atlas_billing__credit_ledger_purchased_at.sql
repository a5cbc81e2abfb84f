
    
    



select purchased_at
from "atlas"."atlas_billing_models"."stg_atlas_billing__credit_ledger"
where purchased_at is null


