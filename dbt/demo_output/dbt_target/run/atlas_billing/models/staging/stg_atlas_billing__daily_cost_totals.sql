
  
  create view "atlas"."atlas_billing_models"."stg_atlas_billing__daily_cost_totals__dbt_tmp" as (
    with source as (

    select * from "atlas"."atlas_billing"."daily_cost_totals"

),

renamed as (

    select
        cast(date as date) as cost_date,
        scope,
        cast(amount_usd as numeric(38, 9)) as amount_usd,
        currency,
        partial as is_partial,
        cast(covered_until as timestamp) as covered_until

    from source

)

select * from renamed
  );
