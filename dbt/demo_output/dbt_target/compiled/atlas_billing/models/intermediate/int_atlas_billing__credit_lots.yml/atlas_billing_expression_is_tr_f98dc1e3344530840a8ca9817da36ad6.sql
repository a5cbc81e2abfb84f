

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"
where not coalesce((amount_usd > 0), false)

