{#- For every group, the sum of `column_name` in the model equals the sum of `compare_column` in
    `compare_model` (within `tolerance`). A group missing on one side counts as zero there.
    `model_filter` / `compare_filter` restrict which rows take part on each side. -#}
{% test sums_match_by_group(
    model, column_name, group_by, compare_model, compare_column, compare_group_by=none,
    model_filter=none, compare_filter=none, tolerance=0
) %}

{%- set compare_group_by = compare_group_by or group_by -%}

with model_sums as (
    select {{ group_by }} as group_key, sum({{ column_name }}) as model_sum
    from {{ model }}
    {% if model_filter %}where {{ model_filter }}{% endif %}
    group by {{ group_by }}
),

compare_sums as (
    select {{ compare_group_by }} as group_key, sum({{ compare_column }}) as compare_sum
    from {{ compare_model }}
    {% if compare_filter %}where {{ compare_filter }}{% endif %}
    group by {{ compare_group_by }}
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
where abs(model_sum - compare_sum) > {{ tolerance }}

{% endtest %}
