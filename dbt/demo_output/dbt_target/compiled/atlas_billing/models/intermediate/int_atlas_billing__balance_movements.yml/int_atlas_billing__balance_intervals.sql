
-- Fixture for int_atlas_billing__balance_intervals
select 
    
    cast('2025-03-01 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-02 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", 
    
    cast(100 as DECIMAL(38,9))
 as "opening_balance_usd", 
    
    cast(120 as DECIMAL(38,9))
 as "closing_balance_usd", 
    
    cast(20 as DECIMAL(38,9))
 as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", cast(null as BIGINT) as "closed_days_expected", cast(null as BIGINT) as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd"