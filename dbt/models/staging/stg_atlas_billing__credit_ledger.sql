{#- The purchase ledger: the loaded raw table when `--credit-ledger` was given, else the seed. -#}
-- depends_on: {{ ref('atlas_credit_ledger') }}
-- depends_on: {{ source('atlas_billing', 'credit_ledger') }}
{%- set ledger = atlas_billing.credit_ledger_relation() -%}
{%- set columns = atlas_billing.column_types(ledger) %}

with source as (

    select * from {{ ledger }}

),

renamed as (

    select
        cast(lot_id as {{ dbt.type_string() }}) as lot_id,
        cast({{ atlas_billing.column_or_null(columns, 'ledger_row', dbt.type_bigint()) }} as {{ dbt.type_bigint() }}) as ledger_row,
        {{ atlas_billing.utc_timestamp(columns, 'purchased_at') }} as purchased_at,
        cast(kind as {{ dbt.type_string() }}) as kind,
        {{ atlas_billing.money('amount_usd') }} as amount_usd,
        {{ atlas_billing.utc_timestamp(columns, 'expires_at') }} as expires_at

    from source

)

select * from renamed
