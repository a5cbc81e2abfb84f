{#- Money is DECIMAL with an explicit precision and scale that both DuckDB and BigQuery hold
    exactly: 38 digits, 9 after the point (BigQuery NUMERIC). The API sends six decimals, so
    sums of API amounts never round.
    On BigQuery a bare NUMERIC is exactly (38, 9), and a CAST takes no type parameters there. The
    local emulator (target bigquery_emulator) needs them: its bare NUMERIC rounds to 3 decimals. -#}

{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'atlas_billing')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    numeric(38, 9)
{%- endmacro %}

{% macro bigquery__type_money() -%}
    {{ 'numeric(38, 9)' if target.name == 'bigquery_emulator' else 'numeric' }}
{%- endmacro %}

{% macro money(expression) -%}
    cast({{ expression }} as {{ atlas_billing.type_money() }})
{%- endmacro %}

{#- Quantities derived from money that are not money themselves (days, rates per day) use the
    same exact decimal type, so a division's float result never leaks into a table. -#}
{% macro quantity(expression) -%}
    cast({{ expression }} as {{ atlas_billing.type_money() }})
{%- endmacro %}
