{#- Small portable helpers. Each is a dispatch macro so an adapter that spells it differently
    can override it (adapter__name) without touching the models. -#}

{#- numerator / denominator, or null when the denominator is null or zero. -#}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'atlas_billing')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    case when {{ denominator }} = 0 then null else ({{ numerator }}) / ({{ denominator }}) end
{%- endmacro %}

{% macro bigquery__safe_divide(numerator, denominator) -%}
    safe_divide({{ numerator }}, {{ denominator }})
{%- endmacro %}

{#- A UTC day, as DATE (dbt's date macros return timestamps on some adapters). -#}
{% macro to_date(expression) -%}
    cast({{ expression }} as date)
{%- endmacro %}

{#- `days` whole days after a date, as DATE. -#}
{% macro add_days(days, date_expression) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{#- `days` days after a timestamp, as a timestamp (BigQuery's dateadd returns DATETIME, which
    does not compare with TIMESTAMP). -#}
{% macro add_days_to_timestamp(days, timestamp_expression) -%}
    cast({{ dbt.dateadd('day', days, timestamp_expression) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Elapsed days between two timestamps, fractional (seconds / 86400). -#}
{% macro days_between(start_timestamp, end_timestamp) -%}
    {{ atlas_billing.quantity(dbt.datediff(start_timestamp, end_timestamp, "second") ~ " / 86400") }}
{%- endmacro %}

{#- Seconds since 1970-01-01 UTC: a portable way to make a timestamp part of a text key. -#}
{% macro epoch_seconds(timestamp_expression) -%}
    {{ dbt.datediff("cast('1970-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")", timestamp_expression, 'second') }}
{%- endmacro %}

{#- A timestamp literal from an ISO string (the as-of var). -#}
{% macro timestamp_literal(iso_text) -%}
    cast('{{ iso_text }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
