
  
  create view "atlas"."atlas_billing_models"."stg_atlas_billing__models__dbt_tmp" as (
    with source as (

    select * from "atlas"."atlas_billing"."models"

),

renamed as (

    select
        model,
        model_type

    from source

)

select * from renamed
  );
