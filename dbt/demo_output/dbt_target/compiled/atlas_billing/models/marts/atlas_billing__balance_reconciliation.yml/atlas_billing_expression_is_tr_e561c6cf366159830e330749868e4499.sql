

select *
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where not coalesce((top_ups_usd >= 0), false)

