

with grouped as (
    select
        cost_date, grain, model_type, model, api_key_id,
        count(*) as n_rows
    from "atlas"."atlas_billing_models"."stg_atlas_billing__model_costs"
    group by cost_date, grain, model_type, model, api_key_id
)

select * from grouped where n_rows > 1

