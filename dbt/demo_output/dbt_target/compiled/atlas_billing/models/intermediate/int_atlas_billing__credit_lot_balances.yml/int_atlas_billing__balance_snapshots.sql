
-- Fixture for int_atlas_billing__balance_snapshots
select 
    
    cast('2025-03-10 00:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(70 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(22 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", cast(null as character varying(256)) as "costs_scope", cast(null as DATE) as "partial_day_date", cast(null as DECIMAL(38,9)) as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", cast(null as DECIMAL(38,9)) as "credit_balance_usd"
union all
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(60 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(15 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", cast(null as character varying(256)) as "costs_scope", cast(null as DATE) as "partial_day_date", cast(null as DECIMAL(38,9)) as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", cast(null as DECIMAL(38,9)) as "credit_balance_usd"