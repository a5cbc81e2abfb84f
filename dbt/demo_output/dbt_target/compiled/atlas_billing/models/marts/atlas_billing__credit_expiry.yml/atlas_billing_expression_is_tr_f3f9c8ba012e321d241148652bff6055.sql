

select *
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where not coalesce((not is_expired or remaining_usd = 0), false)

