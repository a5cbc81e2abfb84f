
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        status as value_field,
        count(*) as n_records

    from "atlas"."atlas_billing_models"."atlas_billing__balance_reconciliation"
    group by status

)

select *
from all_values
where value_field not in (
    'reconciled','unexplained_spend_above_tolerance','model_spend_exceeds_balance_drop','missing_model_costs','not_reconciled_scope_self'
)



  
  
      
    ) dbt_internal_test