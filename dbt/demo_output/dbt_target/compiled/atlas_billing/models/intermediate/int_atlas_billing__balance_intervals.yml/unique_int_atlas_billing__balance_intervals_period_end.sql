
    
    

select
    period_end as unique_field,
    count(*) as n_records

from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"
where period_end is not null
group by period_end
having count(*) > 1


