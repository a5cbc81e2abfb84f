

select *
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where not coalesce((period_end > period_start), false)

