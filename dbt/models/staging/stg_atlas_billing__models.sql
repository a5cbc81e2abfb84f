{#- The source builds this table from account-wide costs; a load that could not (or has not)
    leaves it out, and spend then takes model_type from the cost rows alone. -#}
{%- set models = atlas_billing.existing_relation(source('atlas_billing', 'models')) -%}
{%- set columns = atlas_billing.column_names(models) -%}

with source as (

    {{ atlas_billing.select_from_optional_source(source('atlas_billing', 'models'), models) }}

),

renamed as (

    select
        {{ atlas_billing.typed_column(columns, 'model', dbt.type_string()) }} as model,
        {{ atlas_billing.typed_column(columns, 'model_type', dbt.type_string()) }} as model_type

    from source

)

select * from renamed
