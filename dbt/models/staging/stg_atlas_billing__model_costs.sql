{%- set columns = atlas_billing.column_types(source('atlas_billing', 'model_costs')) -%}

with source as (

    select * from {{ source('atlas_billing', 'model_costs') }}

),

renamed as (

    select
        cast(date as date) as cost_date,
        grain,
        scope,
        {{ atlas_billing.column_or_null(columns, 'model_type', dbt.type_string()) }} as model_type,
        {{ atlas_billing.column_or_null(columns, 'model', dbt.type_string()) }} as model,
        {{ atlas_billing.column_or_null(columns, 'api_key_id', dbt.type_string()) }} as api_key_id,
        partial as is_partial,
        {{ atlas_billing.utc_timestamp(columns, 'covered_until') }} as covered_until,
        {{ atlas_billing.utc_timestamp(columns, 'start_at') }} as start_at,
        {{ atlas_billing.utc_timestamp(columns, 'end_at') }} as end_at,
        {{ atlas_billing.money('amount_usd') }} as amount_usd,
        currency

    from source

),

keyed as (

    select
        {{ atlas_billing.row_key('cost_date') }} as row_key,
        renamed.*

    from renamed

)

select * from keyed
