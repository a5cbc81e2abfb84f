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

{#- Money divided by a whole number, exact to the nano-dollar (truncated toward zero), null for a
    divisor of 0: done on whole nano-dollars, since DuckDB divides decimals as doubles. For
    estimates that share money out (a day's spend up to a moment), never for amounts the API
    sends. -#}
{% macro money_divided(money_expression, divisor_expression) -%}
    {{ return(adapter.dispatch('money_divided', 'atlas_billing')(money_expression, divisor_expression)) }}
{%- endmacro %}

{% macro default__money_divided(money_expression, divisor_expression) -%}
    {{ atlas_billing.money(
        'div(cast((' ~ money_expression ~ ') * 1000000000 as ' ~ atlas_billing.type_money() ~ '), '
        ~ 'nullif(' ~ divisor_expression ~ ', 0)) / 1000000000'
    ) }}
{%- endmacro %}

{% macro duckdb__money_divided(money_expression, divisor_expression) -%}
    {{ atlas_billing.money(
        'cast(cast((' ~ money_expression ~ ') * 1000000000 as hugeint) // nullif('
        ~ divisor_expression ~ ', 0) as decimal(38, 0)) * cast(0.000000001 as decimal(10, 9))'
    ) }}
{%- endmacro %}
