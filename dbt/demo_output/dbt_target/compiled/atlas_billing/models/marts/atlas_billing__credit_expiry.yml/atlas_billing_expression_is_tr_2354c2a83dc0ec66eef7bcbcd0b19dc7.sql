

select *
from "atlas"."atlas_billing_models"."atlas_billing__credit_expiry"
where not coalesce((is_pool_explained), false)

