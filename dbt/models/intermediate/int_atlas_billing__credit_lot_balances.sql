{#- What each credit lot held at each balance snapshot.

    Spending draws each pool oldest lot first, so whatever a pool still holds sits in its newest
    unexpired lots: walking the pool's lots from newest to oldest, each lot holds
        remaining = min(amount, max(0, pool balance - amounts of the newer lots))
    A lot counts from its purchase (purchased_at <= snapshot) until it expires
    (expires_at > snapshot); an expired lot's remainder has left the balance. -#}

with lots as (

    select * from {{ ref('int_atlas_billing__credit_lots') }}

),

snapshots as (

    select * from {{ ref('int_atlas_billing__balance_snapshots') }}

),

active_lots as (

    select
        snapshots.snapshot_at,
        lots.lot_id,
        lots.ledger_row,
        lots.kind,
        lots.pool,
        lots.purchased_at,
        lots.expires_at,
        lots.amount_usd,
        lots.lot_source,
        case lots.pool
            when 'cash' then snapshots.cash_usd
            when 'bonus' then snapshots.bonus_usd
            when 'subscription' then snapshots.subscription_bonus_usd
        end as pool_balance_usd

    from snapshots
    inner join lots
        on lots.purchased_at <= snapshots.snapshot_at
        and lots.expires_at > snapshots.snapshot_at

),

with_newer_lots as (

    select
        *,
        coalesce(
            sum(amount_usd) over (
                partition by snapshot_at, pool
                order by purchased_at desc, coalesce(ledger_row, 0) desc, lot_id desc
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as newer_lots_usd

    from active_lots

),

final as (

    select
        snapshot_at,
        lot_id,
        ledger_row,
        kind,
        pool,
        purchased_at,
        expires_at,
        amount_usd,
        lot_source,
        pool_balance_usd,
        {{ atlas_billing.money(
            'least(amount_usd, greatest(coalesce(pool_balance_usd, 0) - newer_lots_usd, 0))'
        ) }} as remaining_usd,
        {{ atlas_billing.money(
            'greatest(coalesce(pool_balance_usd, 0) - newer_lots_usd - amount_usd, 0)'
        ) }} as older_lots_usd

    from with_newer_lots

)

select * from final
