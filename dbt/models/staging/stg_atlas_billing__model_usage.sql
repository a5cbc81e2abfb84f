{%- set columns = atlas_billing.column_types(source('atlas_billing', 'model_usage')) -%}

with source as (

    select * from {{ source('atlas_billing', 'model_usage') }}

),

renamed as (

    select
        cast(date as date) as usage_date,
        grain,
        scope,
        {{ atlas_billing.column_or_null(columns, 'model_type', dbt.type_string()) }} as model_type,
        {{ atlas_billing.column_or_null(columns, 'model', dbt.type_string()) }} as model,
        {{ atlas_billing.column_or_null(columns, 'api_key_id', dbt.type_string()) }} as api_key_id,
        partial as is_partial,
        {{ atlas_billing.utc_timestamp(columns, 'covered_until') }} as covered_until,
        cast({{ atlas_billing.column_or_null(columns, 'requests', dbt.type_bigint()) }} as {{ dbt.type_bigint() }}) as requests,
        cast({{ atlas_billing.column_or_null(columns, 'input_tokens', dbt.type_bigint()) }} as {{ dbt.type_bigint() }}) as input_tokens,
        cast({{ atlas_billing.column_or_null(columns, 'output_tokens', dbt.type_bigint()) }} as {{ dbt.type_bigint() }}) as output_tokens,
        cast({{ atlas_billing.column_or_null(columns, 'images', dbt.type_bigint()) }} as {{ dbt.type_bigint() }}) as images,
        cast({{ atlas_billing.column_or_null(columns, 'videos', dbt.type_bigint()) }} as {{ dbt.type_bigint() }}) as videos

    from source

),

keyed as (

    select
        {{ atlas_billing.row_key('usage_date') }} as row_key,
        renamed.*

    from renamed

)

select * from keyed
