

select *
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where not coalesce((remaining_usd >= 0 and remaining_usd <= amount_usd), false)

