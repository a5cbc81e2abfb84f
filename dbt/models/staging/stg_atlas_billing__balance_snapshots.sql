{#- A key without balance permission loads no snapshots at all: then this is empty, and the
    marts that need a balance are empty too, while spend still builds. Every field of /balance
    but `object` and `scope` may be absent, so every column may be missing. -#}
{%- set snapshots = atlas_billing.existing_relation(source('atlas_billing', 'balance_snapshots')) -%}
{%- set columns = atlas_billing.column_types(snapshots) -%}
{%- set money = atlas_billing.type_money() -%}
{%- set text = dbt.type_string() -%}
{%- set timestamp = dbt.type_timestamp() -%}
{%- set typed_columns = [
    ('snapshot_at', timestamp),
    ('request_id', text),
    ('account_id', text),
    ('account_name', text),
    ('account_type', text),
    ('currency', text),
    ('available_usd', money),
    ('cash_usd', money),
    ('bonus_usd', money),
    ('subscription_bonus_usd', money),
    ('frozen_usd', money),
    ('credit_grant_status', text),
    ('credit_grant_granted_usd', money),
    ('credit_grant_used_usd', money),
    ('credit_grant_remaining_overdraft_usd', money),
    ('credit_grant_overdrawn_usd', money),
    ('costs_scope', text),
    ('costs_filtered', dbt.type_boolean()),
    ('partial_day_date', 'date'),
    ('partial_day_cost_usd', money),
    ('partial_day_covered_until', timestamp),
] -%}

with source as (

    {{ atlas_billing.select_from_optional_source(source('atlas_billing', 'balance_snapshots'), snapshots) }}

),

renamed as (

    select
        {%- for name, data_type in typed_columns %}
        {{ atlas_billing.typed_column(columns, name, data_type) }} as {{ name }}
        {{- "," if not loop.last }}
        {%- endfor %}

    from source

)

select * from renamed
