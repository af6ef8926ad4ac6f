-- The two app stores side by side: one row per store, app, country and day, with installs and
-- developer revenue in the store's payout currency (never converted or summed across currencies:
-- every sum over this mart must group by currency). Each store's mapping lives in its
-- intermediate model (int_<store>__app_daily), so this mart is a union and a group-by, like
-- ads_daily_performance. Only the stores switched on by their `<store>_enabled` var are read: a
-- ref to a disabled model is an error in dbt, so each sits behind the same var.
{%- set stores = [] %}
{%- if var('google_play_enabled', false) %}{% do stores.append('int_google_play__app_daily') %}{% endif %}
{%- if var('app_store_enabled', false) %}{% do stores.append('int_app_store__app_daily') %}{% endif %}
{{ config(
    enabled=(var('google_play_enabled', false) or var('app_store_enabled', false)),
    engine=table_engine(),
    order_by='(store, app_id, date_day, country_code, currency)',
    partition_by='toYYYYMM(date_day)'
) }}

with unioned as (
{%- for store in stores %}
    select store, app_id, date_day, country_code, installs, revenue, currency
    from {{ ref(store) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
)

select
    toString(store) as store,
    toString(app_id) as app_id,
    date_day,
    toString(country_code) as country_code,
    toString(currency) as currency,
    toInt64(sum(installs)) as installs,
    toDecimal128(sum(revenue), 6) as revenue
from unioned
group by store, app_id, date_day, country_code, currency
