

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_movements"
where not coalesce((top_ups_usd = ledger_top_ups_usd + inferred_top_ups_usd), false)

