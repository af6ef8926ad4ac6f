-- Facebook and Google Ads side by side: one row per channel, account, campaign and day, in the
-- account's own currency and time zone (amounts are not converted between currencies).
-- Only the platforms switched on by their `<platform>_enabled` var are read: a ref to a disabled
-- staging model is an error in dbt, so each one sits behind the same var. Every column is cast to
-- one type in each branch, so the table's schema does not depend on which platforms are on.
{%- set facebook = var('facebook_ads_enabled') %}
{%- set google = var('google_ads_enabled') %}
{{ config(
    enabled=(facebook or google),
    engine='MergeTree()',
    order_by='(channel, account_id, campaign_id, date_day)',
    partition_by='toYYYYMM(date_day)'
) }}

with
{%- if facebook %}
facebook as (
    select
        'facebook_ads' as channel,
        account_id,
        toString(any(account_currency)) as currency,
        campaign_id,
        -- A rename mid-window leaves several names; the latest load's wins.
        argMax(campaign_name, _loaded_at) as campaign_name,
        date_day,
        toInt64(sum(impressions)) as impressions,
        toInt64(sum(clicks)) as clicks,
        toDecimal128(sum(spend), 6) as spend,
        toFloat64(sum(conversions)) as conversions
    from {{ ref('stg_facebook_ads__ad_insights') }}
    -- Rows with breakdowns split the same totals again; only the unbroken rows add up.
    where breakdowns = ''
    group by account_id, campaign_id, date_day
),
{%- endif %}
{%- if google %}
google as (
    select
        'google_ads' as channel,
        customer_id as account_id,
        toString(currency_code) as currency,
        campaign_id,
        campaign_name,
        date_day,
        toInt64(impressions) as impressions,
        toInt64(clicks) as clicks,
        toDecimal128(cost, 6) as spend,
        toFloat64(conversions) as conversions
    from {{ ref('stg_google_ads__campaign_daily') }}
),
{%- endif %}

unioned as (
{%- if facebook %}
    select * from facebook
{%- endif %}
{%- if facebook and google %}
    union all
{%- endif %}
{%- if google %}
    select * from google
{%- endif %}
),

final as (
    select
        channel,
        account_id,
        currency,
        campaign_id,
        campaign_name,
        date_day,
        impressions,
        clicks,
        spend,
        conversions,
        -- NULL where the ratio is undefined (no impressions / no clicks), never a division by 0.
        if(impressions = 0, null, round(clicks / impressions, 6)) as ctr,
        if(clicks = 0, null, toDecimal128(spend / clicks, 6)) as cpc,
        if(impressions = 0, null, toDecimal128(spend * 1000 / impressions, 6)) as cpm
    from unioned
)

select * from final
