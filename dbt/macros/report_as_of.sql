{#-
  The day the reports are judged on, declared once: the `as_of_date` var (YYYY-MM-DD), or
  ClickHouse's today() (UTC) when it is empty. Campaign statuses, flight checks and the
  partial-day flag all use it. Anything but a date is refused while compiling (the value is
  written into SQL).
-#}
{% macro report_as_of() -%}
    {%- set value = var('as_of_date') | string -%}
    {%- if value == '' -%}
        today()
    {%- elif modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
        toDate('{{ value }}')
    {%- else -%}
        {{ exceptions.raise_compiler_error("var as_of_date must be YYYY-MM-DD or empty, got: " ~ value) }}
    {%- endif -%}
{%- endmacro %}
