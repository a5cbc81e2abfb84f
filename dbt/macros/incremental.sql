{#- Incremental builds of spend_daily. An incremental build rebuilds a suffix of days, from
    `rebuild_from` on: every day not final yet (is_final false: the partial day and the days a
    restatement may still change) and the last `atlas_billing_spend_daily_lookback_days` days
    it holds. It merges the rebuilt rows on `row_key`, and first deletes the rows of those days
    that are no longer loaded (a restatement can refund a row away). See DECISIONLOG.md. -#}

{#- The first day an incremental build of `relation` rebuilds, as 'YYYY-MM-DD', or none when
    the relation holds no rows (everything is built). Read when the model runs, so the SQL
    filters its days with a constant: BigQuery then reads only those days' partitions. -#}
{% macro spend_daily_rebuild_from(relation) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select cast(
            least(
                coalesce(min(case when not is_final then date end), max(date)),
                {{ atlas_billing.add_days(-1 * var('atlas_billing_spend_daily_lookback_days'), 'max(date)') }}
            ) as {{ dbt.type_string() }}
        ) as rebuild_from
        from {{ relation }}
    {%- endset -%}
    {%- set value = run_query(query).columns[0].values()[0] -%}
    {{ return(value | string if value is not none else none) }}
{%- endmacro %}

{#- `column >= <the first rebuilt day>` on an incremental build, else `true`. The model passes
    its own is_incremental() (unit tests replace that one). -#}
{% macro spend_daily_rebuilt_days(column, incremental) -%}
    {%- set rebuild_from = atlas_billing.spend_daily_rebuild_from(this) if incremental else none -%}
    {%- if rebuild_from is not none -%}
        {{ column }} >= date '{{ rebuild_from }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of spend_daily: before the merge, delete the rebuilt days' rows whose key is no longer
    loaded. A merge only updates and inserts, so without this a row refunded away would stay. -#}
{% macro spend_daily_delete_vanished_rows() -%}
    {%- set rebuild_from = atlas_billing.spend_daily_rebuild_from(this) if is_incremental() else none -%}
    {%- if rebuild_from is not none -%}
        delete from {{ this }}
        where date >= date '{{ rebuild_from }}'
            and row_key not in (
                select row_key from {{ ref('stg_atlas_billing__model_costs') }}
                where cost_date >= date '{{ rebuild_from }}'
                union all
                select row_key from {{ ref('stg_atlas_billing__model_usage') }}
                where usage_date >= date '{{ rebuild_from }}'
            )
    {%- endif -%}
{%- endmacro %}
