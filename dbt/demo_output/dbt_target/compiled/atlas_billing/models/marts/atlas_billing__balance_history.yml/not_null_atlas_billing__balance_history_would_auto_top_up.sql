
    
    



select would_auto_top_up
from "atlas"."atlas_billing_models"."atlas_billing__balance_history"
where would_auto_top_up is null


