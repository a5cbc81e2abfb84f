

select *
from "atlas"."atlas_billing_models"."atlas_billing__balance_history"
where not coalesce((runway_days_to_storage_minimum is null or runway_days_to_storage_minimum <= runway_days_to_model_api_minimum), false)

