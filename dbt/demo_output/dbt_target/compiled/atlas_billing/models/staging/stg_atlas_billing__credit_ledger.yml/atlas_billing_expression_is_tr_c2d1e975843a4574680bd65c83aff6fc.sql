

select *
from "atlas"."atlas_billing_models"."stg_atlas_billing__credit_ledger"
where not coalesce((amount_usd > 0), false)

