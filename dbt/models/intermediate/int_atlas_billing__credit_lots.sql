{#- Every credit lot the account holds or held: the purchase ledger's lots, plus top-ups inferred
    from the balance history for periods the ledger does not cover.

    A lot draws on one pool of the balance: purchases on cash, bonus/referral/promotion lots on
    the bonus balance, subscription credits on the subscription balance.

    Inferred top-ups: in an interval after the ledger's coverage, money the balance gained beyond
    what the ledger lists, given the model spend, is a top-up:
        inferred = max(0, closing - opening + model_spend - ledger top-ups in the interval)
    It is a lower bound (spend the API does not report hides part of a top-up). It is assigned to
    the subscription and bonus pools up to how much those grew, the rest to cash, and dated at the
    closing snapshot (the first time the money was seen). -#}

with ledger as (

    select * from {{ ref('stg_atlas_billing__credit_ledger') }}

),

intervals as (

    select * from {{ ref('int_atlas_billing__balance_intervals') }}

),

ledger_lots as (

    select
        coalesce(
            lot_id,
            {{ dbt.concat([
                "'ledger-'", "kind", "'-'",
                "cast(" ~ atlas_billing.epoch_seconds('purchased_at') ~ " as " ~ dbt.type_string() ~ ")",
                "'-'",
                "cast(row_number() over (partition by kind, purchased_at order by amount_usd) as " ~ dbt.type_string() ~ ")",
            ]) }}
        ) as lot_id,
        ledger_row,
        kind,
        purchased_at,
        amount_usd,
        coalesce(expires_at, {{ atlas_billing.credit_expires_at('kind', 'purchased_at') }}) as expires_at,
        'ledger' as lot_source

    from ledger

),

ledger_coverage as (

    {% if var('atlas_billing_credit_ledger_covers_until') -%}
    select
        {{ atlas_billing.timestamp_literal(var('atlas_billing_credit_ledger_covers_until')) }}
            as covered_until
    {%- else -%}
    select max(purchased_at) as covered_until
    from ledger
    {%- endif %}

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
            {{ atlas_billing.money(
                'intervals.balance_change_usd'
                ~ ' + coalesce(intervals.model_spend_usd, 0)'
                ~ ' - coalesce(ledger_top_ups_per_interval.ledger_top_ups_usd, 0)'
            ) }},
            0
        ) as inferred_usd,
        greatest(
            {{ atlas_billing.money('intervals.closing_subscription_bonus_usd - intervals.opening_subscription_bonus_usd') }},
            0
        ) as subscription_growth_usd,
        greatest(
            {{ atlas_billing.money('intervals.closing_bonus_usd - intervals.opening_bonus_usd') }},
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
        {{ atlas_billing.money('inferred_usd - subscription_usd - bonus_usd') }} as amount_usd
    from inferred_split

),

inferred_lots as (

    select
        {{ dbt.concat([
            "'inferred-'", "kind", "'-'",
            "cast(" ~ atlas_billing.epoch_seconds('period_end') ~ " as " ~ dbt.type_string() ~ ")",
        ]) }} as lot_id,
        cast(null as {{ dbt.type_bigint() }}) as ledger_row,
        kind,
        period_end as purchased_at,
        amount_usd,
        {{ atlas_billing.credit_expires_at('kind', 'period_end') }} as expires_at,
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
        cast(purchased_at as {{ dbt.type_timestamp() }}) as purchased_at,
        cast(expires_at as {{ dbt.type_timestamp() }}) as expires_at,
        {{ atlas_billing.money('amount_usd') }} as amount_usd,
        lot_source

    from lots

)

select * from final
