-- depends_on: "atlas"."atlas_billing_models"."atlas_credit_ledger"
-- depends_on: "atlas"."atlas_billing"."credit_ledger"

with source as (

    select * from "atlas"."atlas_billing"."credit_ledger"

),

renamed as (

    select
        cast(lot_id as TEXT) as lot_id,
        cast(ledger_row as bigint) as ledger_row,
        cast(purchased_at as timestamp) as purchased_at,
        cast(kind as TEXT) as kind,
        cast(amount_usd as numeric(38, 9)) as amount_usd,
        cast(expires_at as timestamp) as expires_at

    from source

)

select * from renamed