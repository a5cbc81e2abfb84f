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
        cast(covered_until as {{ dbt.type_timestamp() }}) as covered_until

    from source

)

select * from renamed
