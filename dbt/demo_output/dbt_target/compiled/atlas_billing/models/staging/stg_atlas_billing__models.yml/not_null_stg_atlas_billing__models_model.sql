
    
    



select model
from "atlas"."atlas_billing_models"."stg_atlas_billing__models"
where model is null


