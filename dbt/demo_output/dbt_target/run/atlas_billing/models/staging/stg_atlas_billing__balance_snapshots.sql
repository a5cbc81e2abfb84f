
  
  create view "atlas"."atlas_billing_models"."stg_atlas_billing__balance_snapshots__dbt_tmp" as (
    with source as (

    select * from "atlas"."atlas_billing"."balance_snapshots"

),

renamed as (

    select
        cast(snapshot_at as timestamp) as snapshot_at,
        request_id,
        account_id,
        account_name,
        account_type,
        currency,
        cast(available_usd as numeric(38, 9)) as available_usd,
        cast(cash_usd as numeric(38, 9)) as cash_usd,
        cast(bonus_usd as numeric(38, 9)) as bonus_usd,
        cast(subscription_bonus_usd as numeric(38, 9)) as subscription_bonus_usd,
        cast(frozen_usd as numeric(38, 9)) as frozen_usd,
        credit_grant_status as credit_grant_status,
        cast(credit_grant_granted_usd as numeric(38, 9)) as credit_grant_granted_usd,
        cast(credit_grant_used_usd as numeric(38, 9)) as credit_grant_used_usd,
        cast(credit_grant_remaining_overdraft_usd as numeric(38, 9)) as credit_grant_remaining_overdraft_usd,
        cast(credit_grant_overdrawn_usd as numeric(38, 9)) as credit_grant_overdrawn_usd,
        costs_scope,
        cast(partial_day_date as date) as partial_day_date,
        cast(partial_day_cost_usd as numeric(38, 9)) as partial_day_cost_usd,
        cast(partial_day_covered_until as timestamp) as partial_day_covered_until

    from source

)

select * from renamed
  );
