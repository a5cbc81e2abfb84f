
-- Fixture for int_atlas_billing__balance_intervals
select 
    
    cast('2025-01-04 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-01-06 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", 
    
    cast(6 as DECIMAL(38,9))
 as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "opening_bonus_usd", 
    
    cast(10 as DECIMAL(38,9))
 as "closing_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "opening_subscription_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", cast(null as character varying(256)) as "costs_scope", cast(null as BIGINT) as "closed_days_expected", cast(null as BIGINT) as "closed_days_found", 
    
    cast(4 as DECIMAL(38,9))
 as "model_spend_usd"
union all
select 
    
    cast('2025-01-10 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-01-11 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", 
    
    cast(-5 as DECIMAL(38,9))
 as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", 
    
    cast(10 as DECIMAL(38,9))
 as "opening_bonus_usd", 
    
    cast(10 as DECIMAL(38,9))
 as "closing_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "opening_subscription_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", cast(null as character varying(256)) as "costs_scope", cast(null as BIGINT) as "closed_days_expected", cast(null as BIGINT) as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd"
union all
select 
    
    cast('2025-01-11 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-01-12 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", 
    
    cast(40 as DECIMAL(38,9))
 as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", 
    
    cast(10 as DECIMAL(38,9))
 as "opening_bonus_usd", 
    
    cast(18 as DECIMAL(38,9))
 as "closing_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "opening_subscription_bonus_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", cast(null as character varying(256)) as "costs_scope", cast(null as BIGINT) as "closed_days_expected", cast(null as BIGINT) as "closed_days_found", 
    
    cast(10 as DECIMAL(38,9))
 as "model_spend_usd"