
  
  create view "atlas"."atlas_billing_models"."int_atlas_billing__balance_movements__dbt_tmp" as (
    with intervals as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__balance_intervals"

),

lots as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lots"

),

lot_balances as (

    select * from "atlas"."atlas_billing_models"."int_atlas_billing__credit_lot_balances"

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
        cast(coalesce(top_ups.ledger_top_ups_usd, 0) as numeric(38, 9)) as ledger_top_ups_usd,
        cast(coalesce(top_ups.inferred_top_ups_usd, 0) as numeric(38, 9)) as inferred_top_ups_usd,
        cast(coalesce(expired.expired_credits_usd, 0) as numeric(38, 9)) as expired_credits_usd

    from intervals
    left join top_ups
        on intervals.period_end = top_ups.period_end
    left join expired
        on intervals.period_end = expired.period_end

),

final as (

    select
        *,
        cast(ledger_top_ups_usd + inferred_top_ups_usd as numeric(38, 9)) as top_ups_usd,
        cast(opening_balance_usd + ledger_top_ups_usd + inferred_top_ups_usd - expired_credits_usd - closing_balance_usd as numeric(38, 9)) as spend_drawn_usd,
        cast(opening_balance_usd + ledger_top_ups_usd + inferred_top_ups_usd - expired_credits_usd - closing_balance_usd - model_spend_usd as numeric(38, 9)) as other_spend_usd

    from joined

)

select * from final
  );
