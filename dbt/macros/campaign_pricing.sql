{#-
  The pricing assumption behind every spend figure, declared once: the `pricing_model` var
  (`cpm` charges bid per 1000 impressions, `cpc` charges bid per click). An unknown value is
  refused while compiling, so it never reaches the warehouse as a report of zero spend.
-#}
{% macro pricing_model() %}
    {%- set value = var('pricing_model') -%}
    {%- if value not in ['cpm', 'cpc'] -%}
        {{ exceptions.raise_compiler_error("var pricing_model must be cpm or cpc, got: " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}

{#- Spend of `impressions` and `clicks` at `bid` under the pricing model (Decimal, 6 places). -#}
{% macro campaign_spend(bid, impressions, clicks) -%}
    {%- if pricing_model() == 'cpm' -%}
        toDecimal128({{ bid }}, 6) * {{ impressions }} / 1000
    {%- else -%}
        toDecimal128({{ bid }}, 6) * {{ clicks }}
    {%- endif -%}
{%- endmacro %}
