{%- set columns = atlas_billing.column_names(source('atlas_billing', 'balance_snapshots')) -%}

with source as (

    select * from {{ source('atlas_billing', 'balance_snapshots') }}

),

renamed as (

    select
        cast(snapshot_at as {{ dbt.type_timestamp() }}) as snapshot_at,
        request_id,
        account_id,
        account_name,
        account_type,
        currency,
        {{ atlas_billing.money('available_usd') }} as available_usd,
        {{ atlas_billing.money('cash_usd') }} as cash_usd,
        {{ atlas_billing.money('bonus_usd') }} as bonus_usd,
        {{ atlas_billing.money(atlas_billing.column_or_null(columns, 'subscription_bonus_usd', atlas_billing.type_money())) }} as subscription_bonus_usd,
        {{ atlas_billing.money(atlas_billing.column_or_null(columns, 'frozen_usd', atlas_billing.type_money())) }} as frozen_usd,
        {{ atlas_billing.column_or_null(columns, 'credit_grant_status', dbt.type_string()) }} as credit_grant_status,
        {{ atlas_billing.money(atlas_billing.column_or_null(columns, 'credit_grant_granted_usd', atlas_billing.type_money())) }} as credit_grant_granted_usd,
        {{ atlas_billing.money(atlas_billing.column_or_null(columns, 'credit_grant_used_usd', atlas_billing.type_money())) }} as credit_grant_used_usd,
        {{ atlas_billing.money(atlas_billing.column_or_null(columns, 'credit_grant_remaining_overdraft_usd', atlas_billing.type_money())) }} as credit_grant_remaining_overdraft_usd,
        {{ atlas_billing.money(atlas_billing.column_or_null(columns, 'credit_grant_overdrawn_usd', atlas_billing.type_money())) }} as credit_grant_overdrawn_usd,
        costs_scope,
        cast(partial_day_date as date) as partial_day_date,
        {{ atlas_billing.money('partial_day_cost_usd') }} as partial_day_cost_usd,
        cast(partial_day_covered_until as {{ dbt.type_timestamp() }}) as partial_day_covered_until

    from source

)

select * from renamed
