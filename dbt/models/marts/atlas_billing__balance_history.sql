{#- One row per balance snapshot: the balance, how it moved since the previous snapshot, the
    trailing burn rate, and the runway to each minimum balance the pricing page names. -#}

{%- set minimums = {
    'model_api': var('atlas_billing_minimum_balance_model_api_usd'),
    'devpod': var('atlas_billing_minimum_balance_devpod_usd'),
    'serverless_gpu': var('atlas_billing_minimum_balance_serverless_gpu_usd'),
    'storage': var('atlas_billing_minimum_balance_storage_usd'),
} -%}

with snapshots as (

    select * from {{ ref('int_atlas_billing__balance_snapshots') }}

),

movements as (

    select * from {{ ref('int_atlas_billing__balance_movements') }}

),

burn_rates as (

    select * from {{ ref('int_atlas_billing__burn_rates') }}

),

pools as (

    select
        snapshot_at,
        sum(unexplained_usd) as unexplained_by_credit_lots_usd

    from {{ ref('int_atlas_billing__credit_pools') }}
    group by snapshot_at

),

final as (

    select
        snapshots.snapshot_at,
        snapshots.account_id,
        snapshots.account_name,
        snapshots.account_type,
        snapshots.currency,
        snapshots.available_usd,
        snapshots.cash_usd,
        snapshots.bonus_usd,
        snapshots.subscription_bonus_usd,
        snapshots.frozen_usd,
        snapshots.credit_grant_status,
        snapshots.credit_grant_granted_usd,
        snapshots.credit_grant_used_usd,
        snapshots.credit_grant_remaining_overdraft_usd,
        snapshots.credit_grant_overdrawn_usd,
        snapshots.credit_balance_usd,
        lag(snapshots.snapshot_at) over (order by snapshots.snapshot_at) as previous_snapshot_at,
        {{ atlas_billing.money(
            'snapshots.available_usd - lag(snapshots.available_usd) over (order by snapshots.snapshot_at)'
        ) }} as available_change_usd,
        movements.balance_change_usd as credit_balance_change_usd,
        movements.top_ups_usd,
        movements.expired_credits_usd,
        movements.spend_drawn_usd,
        burn_rates.burn_rate_usd_per_day,
        {%- for name, minimum in minimums.items() %}
        case
            when snapshots.available_usd <= {{ minimum }} then {{ atlas_billing.quantity(0) }}
            when burn_rates.burn_rate_usd_per_day > 0
                then {{ atlas_billing.quantity(atlas_billing.safe_divide(
                    'snapshots.available_usd - ' ~ minimum, 'burn_rates.burn_rate_usd_per_day'
                )) }}
        end as runway_days_to_{{ name }}_minimum,
        {%- endfor %}
        (snapshots.available_usd < {{ var('atlas_billing_auto_top_up_trigger_usd') }})
            as would_auto_top_up,
        {{ atlas_billing.money('coalesce(pools.unexplained_by_credit_lots_usd, 0)') }}
            as unexplained_by_credit_lots_usd

    from snapshots
    left join movements
        on snapshots.snapshot_at = movements.period_end
    left join burn_rates
        on snapshots.snapshot_at = burn_rates.snapshot_at
    left join pools
        on snapshots.snapshot_at = pools.snapshot_at

)

select * from final
