

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"
where not coalesce((balance_change_usd = closing_balance_usd - opening_balance_usd), false)

