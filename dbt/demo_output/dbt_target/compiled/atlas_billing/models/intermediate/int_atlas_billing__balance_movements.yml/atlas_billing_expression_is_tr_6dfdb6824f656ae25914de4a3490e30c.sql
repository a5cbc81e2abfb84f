

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__balance_movements"
where not coalesce((closing_balance_usd = opening_balance_usd + top_ups_usd - expired_credits_usd - spend_drawn_usd), false)

