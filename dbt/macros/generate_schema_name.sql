{#-
  On ClickHouse a dbt schema is a database. dbt's default would name a custom schema
  `<target schema>_<custom>` (e.g. `analytics_analytics`); this project wants the custom schema
  verbatim (`staging`, `analytics`) and the target schema only when a model sets none.
  The local runner (dbt-runner/) renders this same macro.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}
    {%- endif -%}
{%- endmacro %}
