
    
    



select kind
from "atlas"."atlas_billing_models"."stg_atlas_billing__credit_ledger"
where kind is null


