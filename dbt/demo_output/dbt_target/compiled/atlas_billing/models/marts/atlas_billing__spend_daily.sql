with costs as (

    select * from "atlas"."atlas_billing_models"."stg_atlas_billing__model_costs"

),

usage as (

    select * from "atlas"."atlas_billing_models"."stg_atlas_billing__model_usage"

),

models as (

    select * from "atlas"."atlas_billing_models"."stg_atlas_billing__models"

),

reference_day as (

    select
        cast(coalesce((select max(snapshot_at) from "atlas"."atlas_billing_models"."stg_atlas_billing__balance_snapshots"), max(covered_until)) as date) as today

    from costs

),

joined as (

    select
        coalesce(costs.cost_date, usage.usage_date) as date,
        coalesce(costs.api_key_id, usage.api_key_id) as api_key_id,
        coalesce(costs.model, usage.model) as model,
        coalesce(costs.model_type, usage.model_type) as result_model_type,
        coalesce(costs.scope, usage.scope) as scope,
        cast(coalesce(costs.amount_usd, 0) as numeric(38, 9)) as cost_usd,
        usage.requests,
        usage.input_tokens,
        usage.output_tokens,
        usage.images,
        usage.videos,
        coalesce(costs.is_partial, usage.is_partial) as is_partial,
        coalesce(costs.covered_until, usage.covered_until) as covered_until

    from costs
    full outer join usage
        on costs.cost_date = usage.usage_date
        and (costs.model is not distinct from usage.model)
        and (costs.api_key_id is not distinct from usage.api_key_id)

),

final as (

    select
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
        cast(case when joined.requests = 0 then null else (joined.cost_usd) / (joined.requests) end as numeric(38, 9))
            as cost_per_request_usd,
        cast(case when coalesce(joined.input_tokens, 0) + coalesce(joined.output_tokens, 0) = 0 then null else (joined.cost_usd * 1000000) / (coalesce(joined.input_tokens, 0) + coalesce(joined.output_tokens, 0)) end as numeric(38, 9)) as cost_per_million_tokens_usd,
        cast(case when joined.images = 0 then null else (joined.cost_usd) / (joined.images) end as numeric(38, 9))
            as cost_per_image_usd,
        cast(case when joined.videos = 0 then null else (joined.cost_usd) / (joined.videos) end as numeric(38, 9))
            as cost_per_video_usd,
        joined.is_partial,
        joined.covered_until,
        (
            not joined.is_partial
            and joined.date < cast(

    (reference_day.today + cast(-3 as bigint) * interval 1 day) as date)
        ) as is_final

    from joined
    cross join reference_day
    left join models
        on joined.model = models.model

)

select * from final