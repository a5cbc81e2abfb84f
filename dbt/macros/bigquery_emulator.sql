{#- Only for the local BigQuery emulator (target `bigquery_emulator`, used by the tests).

    dbt types a unit test's input rows with the column types the warehouse reports, and the
    emulator reports NUMERIC(38, 9) columns as a bare NUMERIC, which it then rounds to 3
    decimals: a fixture of -0.000001 would arrive as 0. On that target this casts fixtures to
    NUMERIC(38, 9) instead. On every other target (real BigQuery included) dbt's own
    `bigquery__safe_cast` runs unchanged. (A root project's `bigquery__safe_cast` takes
    precedence over dbt's; installed as a package, this project leaves dbt's alone.) -#}
{% macro bigquery__safe_cast(field, type) -%}
    {%- if target.name == 'bigquery_emulator' and type | lower == 'numeric' -%}
        safe_cast({{ field }} as numeric(38, 9))
    {%- else -%}
        {{ dbt.bigquery__safe_cast(field, type) }}
    {%- endif -%}
{%- endmacro %}
