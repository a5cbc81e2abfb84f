
-- Fixture for int_atlas_billing__balance_snapshots
select 
    
    cast('2025-01-02 12:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(100 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast('2025-01-02' as DATE)
 as "partial_day_date", 
    
    cast(3 as DECIMAL(38,9))
 as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", 
    
    cast(100 as DECIMAL(38,9))
 as "credit_balance_usd"
union all
select 
    
    cast('2025-01-02 18:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(98 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast('2025-01-02' as DATE)
 as "partial_day_date", 
    
    cast(5 as DECIMAL(38,9))
 as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", 
    
    cast(98 as DECIMAL(38,9))
 as "credit_balance_usd"
union all
select 
    
    cast('2025-01-04 06:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(84 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast('2025-01-04' as DATE)
 as "partial_day_date", 
    
    cast(1 as DECIMAL(38,9))
 as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", 
    
    cast(84 as DECIMAL(38,9))
 as "credit_balance_usd"
union all
select 
    
    cast('2025-01-07 06:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as character varying(256)) as "request_id", cast(null as character varying(256)) as "account_id", cast(null as character varying(256)) as "account_name", cast(null as character varying(256)) as "account_type", cast(null as character varying(256)) as "currency", cast(null as DECIMAL(38,9)) as "available_usd", 
    
    cast(60 as DECIMAL(38,9))
 as "cash_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "frozen_usd", cast(null as character varying(256)) as "credit_grant_status", cast(null as DECIMAL(38,9)) as "credit_grant_granted_usd", cast(null as DECIMAL(38,9)) as "credit_grant_used_usd", cast(null as DECIMAL(38,9)) as "credit_grant_remaining_overdraft_usd", cast(null as DECIMAL(38,9)) as "credit_grant_overdrawn_usd", 
    
    cast('self' as character varying)
 as "costs_scope", 
    
    cast('2025-01-07' as DATE)
 as "partial_day_date", 
    
    cast(2 as DECIMAL(38,9))
 as "partial_day_cost_usd", cast(null as TIMESTAMP) as "partial_day_covered_until", 
    
    cast(60 as DECIMAL(38,9))
 as "credit_balance_usd"