

with grouped as (
    select
        date, api_key_id, model,
        count(*) as n_rows
    from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
    group by date, api_key_id, model
)

select * from grouped where n_rows > 1

