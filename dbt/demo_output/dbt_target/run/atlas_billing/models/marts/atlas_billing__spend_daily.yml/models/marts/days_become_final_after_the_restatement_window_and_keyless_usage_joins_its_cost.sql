
    -- Build actual result given inputs
with dbt_internal_unit_test_actual as (
  select
    "date","api_key_id","model","model_type","cost_usd","requests","cost_per_request_usd","cost_per_million_tokens_usd","cost_per_image_usd","is_partial","is_final", 'actual' as "actual_or_expected"
  from (
    with  __dbt__cte__stg_atlas_billing__model_costs as (

-- Fixture for stg_atlas_billing__model_costs
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-06' as DATE)
 as "cost_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast('ak_1' as character varying)
 as "api_key_id", 
    
    cast(False as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-07 00:00:00' as TIMESTAMP)
 as "covered_until", cast(null as TIMESTAMP) as "start_at", cast(null as TIMESTAMP) as "end_at", 
    
    cast(2 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency"
union all
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-07' as DATE)
 as "cost_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast(null as character varying(256))
 as "api_key_id", 
    
    cast(False as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-08 00:00:00' as TIMESTAMP)
 as "covered_until", cast(null as TIMESTAMP) as "start_at", cast(null as TIMESTAMP) as "end_at", 
    
    cast(3 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency"
union all
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-10' as DATE)
 as "cost_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('pix-2' as character varying)
 as "model", 
    
    cast('ak_1' as character varying)
 as "api_key_id", 
    
    cast(True as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-10 15:00:00' as TIMESTAMP)
 as "covered_until", cast(null as TIMESTAMP) as "start_at", cast(null as TIMESTAMP) as "end_at", 
    
    cast(0.5 as DECIMAL(38,9))
 as "amount_usd", cast(null as character varying(256)) as "currency"
),  __dbt__cte__stg_atlas_billing__model_usage as (

-- Fixture for stg_atlas_billing__model_usage
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-06' as DATE)
 as "usage_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast('ak_1' as character varying)
 as "api_key_id", 
    
    cast(False as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-07 00:00:00' as TIMESTAMP)
 as "covered_until", 
    
    cast(4 as BIGINT)
 as "requests", 
    
    cast(1500000 as BIGINT)
 as "input_tokens", 
    
    cast(500000 as BIGINT)
 as "output_tokens", cast(null as BIGINT) as "images", cast(null as BIGINT) as "videos"
union all
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-07' as DATE)
 as "usage_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast(null as character varying(256))
 as "api_key_id", 
    
    cast(False as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-08 00:00:00' as TIMESTAMP)
 as "covered_until", 
    
    cast(3 as BIGINT)
 as "requests", 
    
    cast(1000 as BIGINT)
 as "input_tokens", 
    
    cast(2000 as BIGINT)
 as "output_tokens", cast(null as BIGINT) as "images", cast(null as BIGINT) as "videos"
union all
select cast(null as character varying(256)) as "row_key", 
    
    cast('2025-05-10' as DATE)
 as "usage_date", cast(null as character varying(256)) as "grain", 
    
    cast('account' as character varying)
 as "scope", cast(null as character varying(256)) as "model_type", 
    
    cast('pix-2' as character varying)
 as "model", 
    
    cast('ak_1' as character varying)
 as "api_key_id", 
    
    cast(True as BOOLEAN)
 as "is_partial", 
    
    cast('2025-05-10 15:00:00' as TIMESTAMP)
 as "covered_until", 
    
    cast(2 as BIGINT)
 as "requests", cast(null as BIGINT) as "input_tokens", cast(null as BIGINT) as "output_tokens", 
    
    cast(5 as BIGINT)
 as "images", cast(null as BIGINT) as "videos"
),  __dbt__cte__stg_atlas_billing__models as (

-- Fixture for stg_atlas_billing__models
select 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast('text' as character varying)
 as "model_type"
union all
select 
    
    cast('pix-2' as character varying)
 as "model", 
    
    cast('image' as character varying)
 as "model_type"
),  __dbt__cte__stg_atlas_billing__balance_snapshots as (

-- Fixture for stg_atlas_billing__balance_snapshots
select 
    
    cast('2025-05-10 15:30:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", cast(null as DECIMAL(38,9)) as "cash_usd", cast(null as DECIMAL(38,9)) as "bonus_usd", cast(null as DECIMAL(38,9)) as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", cast(null as character varying(256)) as "costs_scope", cast(null as DATE) as "partial_day_date", cast(null as DECIMAL(38,9)) as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until"
), costs as (

    select * from __dbt__cte__stg_atlas_billing__model_costs

),

usage as (

    select * from __dbt__cte__stg_atlas_billing__model_usage

),

models as (

    select * from __dbt__cte__stg_atlas_billing__models

),

reference_day as (

    select
        cast(coalesce((select max(snapshot_at) from __dbt__cte__stg_atlas_billing__balance_snapshots), max(covered_until)) as date) as today

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
  ) _dbt_internal_unit_test_actual
),
-- Build expected result
dbt_internal_unit_test_expected as (
  select
    "date", "api_key_id", "model", "model_type", "cost_usd", "requests", "cost_per_request_usd", "cost_per_million_tokens_usd", "cost_per_image_usd", "is_partial", "is_final", 'expected' as "actual_or_expected"
  from (
    select 
    
    cast('2025-05-06' as DATE)
 as "date", 
    
    cast('ak_1' as character varying)
 as "api_key_id", 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast('text' as character varying)
 as "model_type", 
    
    cast(2 as DECIMAL(38,9))
 as "cost_usd", 
    
    cast(4 as BIGINT)
 as "requests", 
    
    cast(0.5 as DECIMAL(38,9))
 as "cost_per_request_usd", 
    
    cast(1 as DECIMAL(38,9))
 as "cost_per_million_tokens_usd", 
    
    cast(null as DECIMAL(38,9))
 as "cost_per_image_usd", 
    
    cast(False as BOOLEAN)
 as "is_partial", 
    
    cast(True as BOOLEAN)
 as "is_final"
union all
select 
    
    cast('2025-05-07' as DATE)
 as "date", 
    
    cast(null as character varying(256))
 as "api_key_id", 
    
    cast('chat-1' as character varying)
 as "model", 
    
    cast('text' as character varying)
 as "model_type", 
    
    cast(3 as DECIMAL(38,9))
 as "cost_usd", 
    
    cast(3 as BIGINT)
 as "requests", 
    
    cast(1 as DECIMAL(38,9))
 as "cost_per_request_usd", 
    
    cast(1000 as DECIMAL(38,9))
 as "cost_per_million_tokens_usd", 
    
    cast(null as DECIMAL(38,9))
 as "cost_per_image_usd", 
    
    cast(False as BOOLEAN)
 as "is_partial", 
    
    cast(False as BOOLEAN)
 as "is_final"
union all
select 
    
    cast('2025-05-10' as DATE)
 as "date", 
    
    cast('ak_1' as character varying)
 as "api_key_id", 
    
    cast('pix-2' as character varying)
 as "model", 
    
    cast('image' as character varying)
 as "model_type", 
    
    cast(0.5 as DECIMAL(38,9))
 as "cost_usd", 
    
    cast(2 as BIGINT)
 as "requests", 
    
    cast(0.25 as DECIMAL(38,9))
 as "cost_per_request_usd", 
    
    cast(null as DECIMAL(38,9))
 as "cost_per_million_tokens_usd", 
    
    cast(0.1 as DECIMAL(38,9))
 as "cost_per_image_usd", 
    
    cast(True as BOOLEAN)
 as "is_partial", 
    
    cast(False as BOOLEAN)
 as "is_final"
  ) _dbt_internal_unit_test_expected
)
-- Union actual and expected results
select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected