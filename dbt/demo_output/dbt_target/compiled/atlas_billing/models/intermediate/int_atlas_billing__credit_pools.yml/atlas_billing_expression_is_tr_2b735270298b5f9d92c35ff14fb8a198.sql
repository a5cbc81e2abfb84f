

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_pools"
where not coalesce((allocated_usd + unexplained_usd = pool_balance_usd), false)

