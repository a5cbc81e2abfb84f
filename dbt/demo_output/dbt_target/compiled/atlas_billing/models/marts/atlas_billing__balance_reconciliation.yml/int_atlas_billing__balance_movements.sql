
-- Fixture for int_atlas_billing__balance_movements
select 
    
    cast('2025-03-01 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-02 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast(1 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "other_spend_usd"
union all
select 
    
    cast('2025-03-02 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-03 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast(1 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(0.01 as DECIMAL(38,9))
 as "other_spend_usd"
union all
select 
    
    cast('2025-03-03 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-04 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast(1 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(2.5 as DECIMAL(38,9))
 as "other_spend_usd"
union all
select 
    
    cast('2025-03-04 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-05 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast(1 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(-1e-06 as DECIMAL(38,9))
 as "other_spend_usd"
union all
select 
    
    cast('2025-03-05 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-07 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('account' as character varying)
 as "costs_scope", 
    
    cast(2 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(5 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(0 as DECIMAL(38,9))
 as "other_spend_usd"
union all
select 
    
    cast('2025-03-07 00:00:00' as TIMESTAMP)
 as "period_start", 
    
    cast('2025-03-08 00:00:00' as TIMESTAMP)
 as "period_end", cast(null as DECIMAL(38,9)) as "period_days", cast(null as DECIMAL(38,9)) as "opening_balance_usd", cast(null as DECIMAL(38,9)) as "closing_balance_usd", cast(null as DECIMAL(38,9)) as "balance_change_usd", cast(null as DECIMAL(38,9)) as "opening_cash_usd", cast(null as DECIMAL(38,9)) as "closing_cash_usd", cast(null as DECIMAL(38,9)) as "opening_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_bonus_usd", cast(null as DECIMAL(38,9)) as "opening_subscription_bonus_usd", cast(null as DECIMAL(38,9)) as "closing_subscription_bonus_usd", cast(null as DATE) as "opening_partial_day_date", cast(null as DECIMAL(38,9)) as "opening_partial_day_cost_usd", cast(null as DATE) as "closing_partial_day_date", cast(null as DECIMAL(38,9)) as "closing_partial_day_cost_usd", 
    
    cast('self' as character varying)
 as "costs_scope", 
    
    cast(1 as BIGINT)
 as "closed_days_expected", 
    
    cast(1 as BIGINT)
 as "closed_days_found", 
    
    cast(1 as DECIMAL(38,9))
 as "model_spend_usd", cast(null as DECIMAL(38,9)) as "ledger_top_ups_usd", cast(null as DECIMAL(38,9)) as "inferred_top_ups_usd", cast(null as DECIMAL(38,9)) as "expired_credits_usd", cast(null as DECIMAL(38,9)) as "top_ups_usd", cast(null as DECIMAL(38,9)) as "spend_drawn_usd", 
    
    cast(4 as DECIMAL(38,9))
 as "other_spend_usd"