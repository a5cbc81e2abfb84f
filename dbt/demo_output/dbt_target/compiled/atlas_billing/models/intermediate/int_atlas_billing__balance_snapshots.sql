with snapshots as (

    select * from "atlas"."atlas_billing_models"."stg_atlas_billing__balance_snapshots"

),

with_credit_balance as (

    select
        *,
        -- The credits held: cash + bonus + subscription credits (frozen money is still held, only
        -- not available). Falls back to `available` when the API sends no components.
        case
            when cash_usd is null and bonus_usd is null and subscription_bonus_usd is null
                then available_usd
            else cast(coalesce(cash_usd, 0) + coalesce(bonus_usd, 0) + coalesce(subscription_bonus_usd, 0) as numeric(38, 9))
        end as credit_balance_usd

    from snapshots

)

select * from with_credit_balance