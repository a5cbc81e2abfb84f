

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"
where not coalesce((period_days > 0), false)

