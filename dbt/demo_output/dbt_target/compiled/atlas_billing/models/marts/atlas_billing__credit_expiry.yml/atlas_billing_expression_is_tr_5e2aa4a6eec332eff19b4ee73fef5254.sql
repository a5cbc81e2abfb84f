

select *
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where not coalesce((projected_unused_usd is null or (projected_unused_usd >= 0 and projected_unused_usd <= remaining_usd)), false)

