{#- Every row satisfies a boolean SQL expression (an arithmetic invariant, a bound). A row where
    the expression is null fails too: an invariant that cannot be checked is not proven. -#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
