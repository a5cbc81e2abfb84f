
  
  create view "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots__dbt_tmp" as (
    with ledger as (

    select * from "atlas"."atlas_billing_models"."stg_atlas_billing__credit_ledger"

),

intervals as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"

),

ledger_lots as (

    select
        coalesce(
            lot_id,
            'ledger-' || kind || '-' || cast(
        (date_diff('second', cast('1970-01-01 00:00:00' as timestamp)::timestamp, purchased_at::timestamp ))
     as TEXT) || '-' || cast(row_number() over (partition by kind, purchased_at order by amount_usd) as TEXT)
        ) as lot_id,
        ledger_row,
        kind,
        purchased_at,
        amount_usd,
        coalesce(
            expires_at,
            

    (purchased_at + cast(365 as bigint) * interval 1 day)
        ) as expires_at,
        'ledger' as lot_source

    from ledger

),

ledger_coverage as (

    select max(purchased_at) as covered_until
    from ledger

),

ledger_top_ups_per_interval as (

    select
        intervals.period_end,
        sum(ledger_lots.amount_usd) as ledger_top_ups_usd

    from intervals
    inner join ledger_lots
        on ledger_lots.purchased_at > intervals.period_start
        and ledger_lots.purchased_at <= intervals.period_end
    group by intervals.period_end

),

uncovered_gains as (

    select
        intervals.period_end,
        greatest(
            cast(intervals.balance_change_usd + coalesce(intervals.model_spend_usd, 0) - coalesce(ledger_top_ups_per_interval.ledger_top_ups_usd, 0) as numeric(38, 9)),
            0
        ) as inferred_usd,
        greatest(
            cast(intervals.closing_subscription_bonus_usd - intervals.opening_subscription_bonus_usd as numeric(38, 9)),
            0
        ) as subscription_growth_usd,
        greatest(
            cast(intervals.closing_bonus_usd - intervals.opening_bonus_usd as numeric(38, 9)),
            0
        ) as bonus_growth_usd

    from intervals
    cross join ledger_coverage
    left join ledger_top_ups_per_interval
        on intervals.period_end = ledger_top_ups_per_interval.period_end
    where ledger_coverage.covered_until is null
        or intervals.period_end > ledger_coverage.covered_until

),

inferred_split as (

    select
        period_end,
        least(coalesce(subscription_growth_usd, 0), inferred_usd) as subscription_usd,
        least(
            coalesce(bonus_growth_usd, 0),
            inferred_usd - least(coalesce(subscription_growth_usd, 0), inferred_usd)
        ) as bonus_usd,
        inferred_usd

    from uncovered_gains
    where inferred_usd > 0

),

inferred_amounts as (

    select period_end, 'subscription' as kind, subscription_usd as amount_usd from inferred_split
    union all
    select period_end, 'bonus' as kind, bonus_usd as amount_usd from inferred_split
    union all
    select
        period_end,
        'purchase' as kind,
        cast(inferred_usd - subscription_usd - bonus_usd as numeric(38, 9)) as amount_usd
    from inferred_split

),

inferred_lots as (

    select
        'inferred-' || kind || '-' || cast(
        (date_diff('second', cast('1970-01-01 00:00:00' as timestamp)::timestamp, period_end::timestamp ))
     as TEXT) as lot_id,
        cast(null as bigint) as ledger_row,
        kind,
        period_end as purchased_at,
        amount_usd,
        

    (period_end + cast(365 as bigint) * interval 1 day) as expires_at,
        'inferred' as lot_source

    from inferred_amounts
    where amount_usd > 0

),

lots as (

    select * from ledger_lots
    union all
    select * from inferred_lots

),

final as (

    select
        lot_id,
        ledger_row,
        kind,
        case
            when kind = 'purchase' then 'cash'
            when kind = 'subscription' then 'subscription'
            else 'bonus'
        end as pool,
        cast(purchased_at as timestamp) as purchased_at,
        cast(expires_at as timestamp) as expires_at,
        cast(amount_usd as numeric(38, 9)) as amount_usd,
        lot_source

    from lots

)

select * from final
  );
