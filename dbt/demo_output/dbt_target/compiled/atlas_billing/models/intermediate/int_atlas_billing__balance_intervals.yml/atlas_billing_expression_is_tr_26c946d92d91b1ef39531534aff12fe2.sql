

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"
where not coalesce((closed_days_found <= closed_days_expected), false)

