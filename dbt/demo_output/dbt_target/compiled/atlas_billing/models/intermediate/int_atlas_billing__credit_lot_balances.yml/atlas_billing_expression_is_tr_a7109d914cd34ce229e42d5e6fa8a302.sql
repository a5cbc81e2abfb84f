

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lot_balances"
where not coalesce((remaining_usd >= 0 and remaining_usd <= amount_usd), false)

