
    
    



select model_type
from "atlas"."atlas_billing_models"."stg_atlas_billing__models"
where model_type is null


