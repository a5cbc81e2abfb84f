

select *
from "atlas"."atlas_billing_models"."atlas_billing__balance_history"
where not coalesce((previous_snapshot_at is null or credit_balance_change_usd = top_ups_usd - expired_credits_usd - spend_drawn_usd), false)

