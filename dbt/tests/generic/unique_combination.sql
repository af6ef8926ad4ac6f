{#- Fails for every combination of `columns` that occurs on more than one row (a grain test;
    dbt-core's built-in `unique` takes one column, and we add no package for this). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count() as rows_with_this_key
from {{ model }}
group by {{ columns | join(', ') }}
having count() > 1
{% endtest %}
