

select *
from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
where not coalesce((not (is_final and is_partial)), false)

