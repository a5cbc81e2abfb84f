

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_movements"
where not coalesce((model_spend_usd is null or spend_drawn_usd = model_spend_usd + other_spend_usd), false)

