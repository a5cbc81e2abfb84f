
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  with model_sums as (
    select date as group_key, sum(cost_usd) as model_sum
    from "atlas"."atlas_billing_models"."atlas_billing__spend_daily"
    where not is_partial
    group by date
),

compare_sums as (
    select cost_date as group_key, sum(amount_usd) as compare_sum
    from "atlas"."atlas_billing_models"."stg_atlas_billing__daily_cost_totals"
    where not is_partial
    group by cost_date
),

joined as (
    select
        coalesce(model_sums.group_key, compare_sums.group_key) as group_key,
        coalesce(model_sums.model_sum, 0) as model_sum,
        coalesce(compare_sums.compare_sum, 0) as compare_sum
    from model_sums
    full outer join compare_sums on model_sums.group_key = compare_sums.group_key
)

select *
from joined
where abs(model_sum - compare_sum) > 0


  
  
      
    ) dbt_internal_test