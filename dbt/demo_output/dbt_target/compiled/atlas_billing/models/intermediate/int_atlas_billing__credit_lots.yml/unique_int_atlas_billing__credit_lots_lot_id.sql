
    
    

select
    lot_id as unique_field,
    count(*) as n_records

from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"
where lot_id is not null
group by lot_id
having count(*) > 1


