{#- Loads made before the source recorded observations have no such table: then this is empty,
    and the reconciliation falls back to the partial days of the snapshots. -#}
{%- set observations = atlas_billing.existing_relation(source('atlas_billing', 'balance_cost_observations')) -%}
{%- set columns = atlas_billing.column_types(observations) -%}
{%- set typed_columns = [
    ('snapshot_at', dbt.type_timestamp()),
    ('date', 'date'),
    ('amount_usd', atlas_billing.type_money()),
    ('partial', dbt.type_boolean()),
    ('covered_until', dbt.type_timestamp()),
] -%}
{%- set renamed_as = {'date': 'cost_date', 'partial': 'is_partial'} -%}

with source as (

    {{ atlas_billing.select_from_optional_source(source('atlas_billing', 'balance_cost_observations'), observations) }}

),

renamed as (

    select
        {%- for name, data_type in typed_columns %}
        {{ atlas_billing.typed_column(columns, name, data_type) }} as {{ renamed_as.get(name, name) }}
        {{- "," if not loop.last }}
        {%- endfor %}

    from source

)

select * from renamed
