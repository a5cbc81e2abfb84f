

select *
from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
where not coalesce((status = 'not_reconciled_scope_self' or model_spend_usd is null or closing_balance_usd = opening_balance_usd + top_ups_usd - expired_credits_usd - model_spend_usd - other_spend_usd), false)

