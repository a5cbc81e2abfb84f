{#- Spend per UTC day, API key and model, with usage counts and unit costs (at the grain the
    source loaded: with a coarser one, the keys it does not group by are null).

    A day is final once it is closed and older than the restatement window: a closed day's cost
    can still change for a few days (failed generations refunded, token-billed video charged on
    completion), and the source re-reads those days. "Now" for that rule is the latest balance
    snapshot, or, without snapshots, how far the loaded costs reach.

    Incremental: a build rebuilds the days not final yet and the last
    `atlas_billing_spend_daily_lookback_days` days, merging on `row_key` (the source's key of a
    day, key and model); rows of those days that are no longer loaded are deleted first. On
    BigQuery the table is partitioned by day and clustered like the raw tables. -#}

{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='row_key',
    partition_by=(
        {'field': 'date', 'data_type': 'date', 'granularity': 'day'}
        if target.type == 'bigquery' else none
    ),
    cluster_by=(['api_key_id', 'model'] if target.type == 'bigquery' else none),
    pre_hook="{{ atlas_billing.spend_daily_delete_vanished_rows() }}",
) }}

with costs as (

    select * from {{ ref('stg_atlas_billing__model_costs') }}
    where {{ atlas_billing.spend_daily_rebuilt_days('cost_date', is_incremental()) }}

),

usage as (

    select * from {{ ref('stg_atlas_billing__model_usage') }}
    where {{ atlas_billing.spend_daily_rebuilt_days('usage_date', is_incremental()) }}

),

models as (

    select * from {{ ref('stg_atlas_billing__models') }}

),

reference_day as (

    select
        {{ atlas_billing.to_date(
            'coalesce((select max(snapshot_at) from ' ~ ref('stg_atlas_billing__balance_snapshots')
            ~ '), max(covered_until))'
        ) }} as today

    from costs

),

joined as (

    select
        coalesce(costs.row_key, usage.row_key) as row_key,
        coalesce(costs.cost_date, usage.usage_date) as date,
        coalesce(costs.api_key_id, usage.api_key_id) as api_key_id,
        coalesce(costs.model, usage.model) as model,
        coalesce(costs.model_type, usage.model_type) as result_model_type,
        coalesce(costs.scope, usage.scope) as scope,
        {{ atlas_billing.money('coalesce(costs.amount_usd, 0)') }} as cost_usd,
        usage.requests,
        usage.input_tokens,
        usage.output_tokens,
        usage.images,
        usage.videos,
        coalesce(costs.is_partial, usage.is_partial) as is_partial,
        coalesce(costs.covered_until, usage.covered_until) as covered_until

    from costs
    full outer join usage
        -- the day, grain and the grain's group keys: at any grain one cost row meets its usage
        -- row and no other (a coarser grain leaves model or key null on every row)
        on costs.row_key = usage.row_key

),

final as (

    select
        joined.row_key,
        joined.date,
        joined.api_key_id,
        joined.model,
        coalesce(joined.result_model_type, models.model_type) as model_type,
        joined.scope,
        joined.cost_usd,
        joined.requests,
        joined.input_tokens,
        joined.output_tokens,
        joined.images,
        joined.videos,
        {{ atlas_billing.money(atlas_billing.safe_divide('joined.cost_usd', 'joined.requests')) }}
            as cost_per_request_usd,
        {{ atlas_billing.money(atlas_billing.safe_divide(
            'joined.cost_usd * 1000000',
            'coalesce(joined.input_tokens, 0) + coalesce(joined.output_tokens, 0)'
        )) }} as cost_per_million_tokens_usd,
        {{ atlas_billing.money(atlas_billing.safe_divide('joined.cost_usd', 'joined.images')) }}
            as cost_per_image_usd,
        {{ atlas_billing.money(atlas_billing.safe_divide('joined.cost_usd', 'joined.videos')) }}
            as cost_per_video_usd,
        joined.is_partial,
        joined.covered_until,
        (
            not joined.is_partial
            and joined.date < {{ atlas_billing.add_days(
                -1 * var('atlas_billing_restatement_window_days'), 'reference_day.today'
            ) }}
        ) as is_final

    from joined
    cross join reference_day
    left join models
        on joined.model = models.model

)

select * from final
