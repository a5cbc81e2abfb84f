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