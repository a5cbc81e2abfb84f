with source as (

    select * from "atlas"."atlas_billing"."model_usage"

),

renamed as (

    select
        row_key,
        cast(date as date) as usage_date,
        grain,
        scope,
        model_type as model_type,
        model as model,
        api_key_id as api_key_id,
        partial as is_partial,
        cast(covered_until as timestamp) as covered_until,
        cast(requests as bigint) as requests,
        cast(input_tokens as bigint) as input_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(images as bigint) as images,
        cast(videos as bigint) as videos

    from source

)

select * from renamed