
    
    



select snapshot_at
from "atlas"."atlas_billing_models"."int_atlas_billing__burn_rates"
where snapshot_at is null


