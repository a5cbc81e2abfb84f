
-- Fixture for int_atlas_billing__burn_rates
select 
    
    cast('2025-03-15 12:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as DECIMAL(38,9)) as "trailing_spend_drawn_usd", cast(null as DECIMAL(38,9)) as "trailing_days", 
    
    cast(2 as DECIMAL(38,9))
 as "burn_rate_usd_per_day"
union all
select 
    
    cast('2025-03-25 00:00:00' as TIMESTAMP)
 as "snapshot_at", cast(null as DECIMAL(38,9)) as "trailing_spend_drawn_usd", cast(null as DECIMAL(38,9)) as "trailing_days", 
    
    cast(9 as DECIMAL(38,9))
 as "burn_rate_usd_per_day"