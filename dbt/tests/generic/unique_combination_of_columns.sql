{#- The columns together identify a row: no two rows share the same combination. Null is a
    value here (two rows with a null api_key_id and the same other keys are duplicates). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with grouped as (
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
)

select * from grouped where n_rows > 1

{% endtest %}
