{#- The balance equation for each interval between consecutive snapshots:

        closing = opening + top_ups - expired_credits - model_spend - other_spend

    top_ups are the credit lots bought in (period_start, period_end] (ledger or inferred);
    expired_credits is what the lots expiring in the interval still held at the opening snapshot;
    other_spend is what is left: spend the model-cost API does not report (DevPods, Serverless
    GPU, storage) or an error somewhere. spend_drawn = model_spend + other_spend is everything
    spending took from the balance, whatever it was for. -#}

with intervals as (

    select * from {{ ref('int_atlas_billing__balance_intervals') }}

),

lots as (

    select * from {{ ref('int_atlas_billing__credit_lots') }}

),

lot_balances as (

    select * from {{ ref('int_atlas_billing__credit_lot_balances') }}

),

top_ups as (

    select
        intervals.period_end,
        sum(case when lots.lot_source = 'ledger' then lots.amount_usd else 0 end) as ledger_top_ups_usd,
        sum(case when lots.lot_source = 'inferred' then lots.amount_usd else 0 end) as inferred_top_ups_usd

    from intervals
    inner join lots
        on lots.purchased_at > intervals.period_start
        and lots.purchased_at <= intervals.period_end
    group by intervals.period_end

),

expired as (

    select
        intervals.period_end,
        sum(lot_balances.remaining_usd) as expired_credits_usd

    from intervals
    inner join lot_balances
        on lot_balances.snapshot_at = intervals.period_start
        and lot_balances.expires_at > intervals.period_start
        and lot_balances.expires_at <= intervals.period_end
    group by intervals.period_end

),

joined as (

    select
        intervals.*,
        {{ atlas_billing.money('coalesce(top_ups.ledger_top_ups_usd, 0)') }} as ledger_top_ups_usd,
        {{ atlas_billing.money('coalesce(top_ups.inferred_top_ups_usd, 0)') }} as inferred_top_ups_usd,
        {{ atlas_billing.money('coalesce(expired.expired_credits_usd, 0)') }} as expired_credits_usd

    from intervals
    left join top_ups
        on intervals.period_end = top_ups.period_end
    left join expired
        on intervals.period_end = expired.period_end

),

final as (

    select
        *,
        {{ atlas_billing.money('ledger_top_ups_usd + inferred_top_ups_usd') }} as top_ups_usd,
        {{ atlas_billing.money(
            'opening_balance_usd + ledger_top_ups_usd + inferred_top_ups_usd'
            ~ ' - expired_credits_usd - closing_balance_usd'
        ) }} as spend_drawn_usd,
        {{ atlas_billing.money(
            'opening_balance_usd + ledger_top_ups_usd + inferred_top_ups_usd'
            ~ ' - expired_credits_usd - closing_balance_usd - model_spend_usd'
        ) }} as other_spend_usd

    from joined

)

select * from final
