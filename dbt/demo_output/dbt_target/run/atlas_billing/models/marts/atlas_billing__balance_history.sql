
    

    create  table
      "atlas"."atlas_billing_models"."atlas_billing__balance_history__dbt_tmp"
  
    
    as (
      with snapshots as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__balance_snapshots"

),

movements as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__balance_movements"

),

burn_rates as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__burn_rates"

),

pools as (

    select
        snapshot_at,
        sum(unexplained_usd) as unexplained_by_credit_lots_usd

    from "atlas"."atlas_billing_models"."int_atlas_billing__credit_pools"
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
        cast(snapshots.available_usd - lag(snapshots.available_usd) over (order by snapshots.snapshot_at) as numeric(38, 9)) as available_change_usd,
        movements.balance_change_usd as credit_balance_change_usd,
        movements.top_ups_usd,
        movements.expired_credits_usd,
        movements.spend_drawn_usd,
        burn_rates.burn_rate_usd_per_day,
        case
            when snapshots.available_usd <= 0.5 then cast(0 as numeric(38, 9))
            when burn_rates.burn_rate_usd_per_day > 0
                then cast(case when burn_rates.burn_rate_usd_per_day = 0 then null else (snapshots.available_usd - 0.5) / (burn_rates.burn_rate_usd_per_day) end as numeric(38, 9))
        end as runway_days_to_model_api_minimum,
        case
            when snapshots.available_usd <= 3.0 then cast(0 as numeric(38, 9))
            when burn_rates.burn_rate_usd_per_day > 0
                then cast(case when burn_rates.burn_rate_usd_per_day = 0 then null else (snapshots.available_usd - 3.0) / (burn_rates.burn_rate_usd_per_day) end as numeric(38, 9))
        end as runway_days_to_devpod_minimum,
        case
            when snapshots.available_usd <= 5.0 then cast(0 as numeric(38, 9))
            when burn_rates.burn_rate_usd_per_day > 0
                then cast(case when burn_rates.burn_rate_usd_per_day = 0 then null else (snapshots.available_usd - 5.0) / (burn_rates.burn_rate_usd_per_day) end as numeric(38, 9))
        end as runway_days_to_serverless_gpu_minimum,
        case
            when snapshots.available_usd <= 5.0 then cast(0 as numeric(38, 9))
            when burn_rates.burn_rate_usd_per_day > 0
                then cast(case when burn_rates.burn_rate_usd_per_day = 0 then null else (snapshots.available_usd - 5.0) / (burn_rates.burn_rate_usd_per_day) end as numeric(38, 9))
        end as runway_days_to_storage_minimum,
        (snapshots.available_usd < 10.0)
            as would_auto_top_up,
        cast(coalesce(pools.unexplained_by_credit_lots_usd, 0) as numeric(38, 9))
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
    );
    
  