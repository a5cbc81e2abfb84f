

select *
from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"
where not coalesce((expires_at > purchased_at), false)

