
  
  create view "atlas"."atlas_billing_models"."stg_atlas_billing__model_costs__dbt_tmp" as (
    with source as (

    select * from "atlas"."atlas_billing"."model_costs"

),

renamed as (

    select
        row_key,
        cast(date as date) as cost_date,
        grain,
        scope,
        model_type as model_type,
        model as model,
        api_key_id as api_key_id,
        partial as is_partial,
        cast(covered_until as timestamp) as covered_until,
        cast(start_at as timestamp) as start_at,
        cast(end_at as timestamp) as end_at,
        cast(amount_usd as numeric(38, 9)) as amount_usd,
        currency

    from source

)

select * from renamed
  );
