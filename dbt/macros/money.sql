{#- Money is DECIMAL with an explicit precision and scale that both DuckDB and BigQuery hold
    exactly: 38 digits, 9 after the point (BigQuery NUMERIC). The API sends six decimals, so
    sums of API amounts never round. -#}

{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'atlas_billing')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    numeric(38, 9)
{%- endmacro %}

{% macro bigquery__type_money() -%}
    numeric
{%- endmacro %}

{% macro money(expression) -%}
    cast({{ expression }} as {{ atlas_billing.type_money() }})
{%- endmacro %}

{#- Quantities derived from money that are not money themselves (days, rates per day) use the
    same exact decimal type, so a division's float result never leaks into a table. -#}
{% macro quantity(expression) -%}
    cast({{ expression }} as {{ atlas_billing.type_money() }})
{%- endmacro %}
