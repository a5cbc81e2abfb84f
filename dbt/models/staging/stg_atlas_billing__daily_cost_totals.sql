{%- set columns = atlas_billing.column_types(source('atlas_billing', 'daily_cost_totals')) -%}

with source as (

    select * from {{ source('atlas_billing', 'daily_cost_totals') }}

),

renamed as (

    select
        cast(date as date) as cost_date,
        scope,
        {{ atlas_billing.money('amount_usd') }} as amount_usd,
        currency,
        partial as is_partial,
        {{ atlas_billing.utc_timestamp(columns, 'covered_until') }} as covered_until

    from source

)

select * from renamed
