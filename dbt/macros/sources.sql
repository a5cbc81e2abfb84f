{#- Helpers for reading the dlt dataset, whose columns follow what the API sent. -#}

{#- The lower-cased column names of a relation (empty at parse time). -#}
{% macro column_names(relation) -%}
    {{ return(atlas_billing.column_types(relation).keys() | list) }}
{%- endmacro %}

{#- The columns of a relation by lower-case name, each its data type as the warehouse names it
    (lower case); empty when the relation is none or before execute. -#}
{% macro column_types(relation) -%}
    {%- set types = {} -%}
    {%- if execute and relation is not none -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do types.update({column.name | lower: column.data_type | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}

{#- A loaded timestamp as TIMESTAMP in UTC whatever the session's time zone, or a typed null
    when the table lacks the column (`column_types`: the table's, from `column_types`). DuckDB
    casts TIMESTAMP WITH TIME ZONE, as dlt loads timestamps, to the session's local time: UTC
    under this project's profile, but not under a profile of one's own that leaves DuckDB's
    TimeZone at the machine's. -#}
{% macro utc_timestamp(column_types, column_name) -%}
    {%- if execute and column_name | lower not in column_types -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ return(adapter.dispatch('utc_timestamp', 'atlas_billing')(column_types, column_name)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__utc_timestamp(column_types, column_name) -%}
    cast({{ column_name }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__utc_timestamp(column_types, column_name) -%}
    {%- if 'with time zone' in column_types.get(column_name | lower, '') -%}
        timezone('UTC', {{ column_name }})
    {%- else -%}
        cast({{ column_name }} as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- The column if the loaded table has it, else a typed null. dlt creates a column only once a
    value arrives, and the API may omit optional fields (credit_grant, images, videos, ...). -#}
{% macro column_or_null(column_names, column_name, data_type) -%}
    {%- if not execute or column_name | lower in column_names -%}
        {{ column_name }}
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{#- The relation if it exists in the warehouse, else none (execute time only). -#}
{% macro existing_relation(relation) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier)) }}
{%- endmacro %}

{#- `select *` from a source table the load may not have created (a key without balance
    permission loads no snapshots), or a select of no rows when it does not exist; the staging
    model then fills its columns with typed nulls (typed_column). -#}
{% macro select_from_optional_source(declared, existing) -%}
    {%- if existing is not none or not execute -%}
        select * from {{ declared }}
    {%- else -%}
        select 1 as {{ declared.identifier }}_not_loaded where 1 = 0
    {%- endif -%}
{%- endmacro %}

{#- The purchase ledger to read: the raw table `credit_ledger` that `atlas-billing run
    --credit-ledger PATH` loads into the dataset, when it exists; else the seed
    `atlas_credit_ledger` kept in this project. -#}
{% macro credit_ledger_relation() -%}
    {%- set loaded = atlas_billing.existing_relation(source('atlas_billing', 'credit_ledger')) -%}
    {{ return(loaded if loaded is not none else ref('atlas_credit_ledger')) }}
{%- endmacro %}

{#- The as-of moment for credit lots: the var, else the latest balance snapshot. -#}
{% macro as_of_timestamp(snapshots_relation) -%}
    {%- if var('atlas_billing_as_of') -%}
        {{ atlas_billing.timestamp_literal(var('atlas_billing_as_of')) }}
    {%- else -%}
        (select max(snapshot_at) from {{ snapshots_relation }})
    {%- endif -%}
{%- endmacro %}

{#- cast(column as data_type), or a null of that type when the loaded table lacks the column; a
    timestamp in UTC (`utc_timestamp`). `columns`: the table's names (`column_names`), or its
    `column_types` where it has timestamps. -#}
{% macro typed_column(columns, column_name, data_type) -%}
    {%- if data_type == dbt.type_timestamp() -%}
        {{ atlas_billing.utc_timestamp(columns, column_name) }}
    {%- elif not execute or column_name | lower in columns -%}
        cast({{ column_name }} as {{ data_type }})
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{#- The key of a model_costs / model_usage row, from the columns of a staging model: its day,
    grain and the grain's group keys in the grain's order, a null key as `<null>`, e.g.
    `2026-05-01|model,api_key|model=lumen/instruct-1|api_key=<null>`. The same text the source
    checks each page with (sources/atlas_billing/mapping.py, `row_key`); the raw tables do not
    hold it (a long unique text per row was most of the load's time and of the file). -#}
{% macro row_key(date_column) -%}
    {%- set parts = [
        ("model_type", "model_type", ["model_type"]),
        ("model", "model", ["model", "model,api_key"]),
        ("api_key", "api_key_id", ["api_key", "model,api_key"]),
    ] -%}
    {%- set pieces = ["cast(" ~ date_column ~ " as " ~ dbt.type_string() ~ ")", "'|'", "grain"] -%}
    {%- for label, column, grains in parts -%}
        {%- do pieces.append(
            "case when grain in ('" ~ grains | join("', '") ~ "') then "
            ~ dbt.concat(["'|" ~ label ~ "='", "coalesce(" ~ column ~ ", '<null>')"])
            ~ " else '' end"
        ) -%}
    {%- endfor -%}
    {{ dbt.concat(pieces) }}
{%- endmacro %}
