-- Google Ads mapped to the cross-channel shape of ads_daily_performance: one row per customer,
-- campaign and day (the customer's time zone), cost in currency units, with the campaign's
-- status from the campaigns stream.
{{ config(
    enabled=var('google_ads_enabled', false),
    materialized='view'
) }}

with daily as (
    select * from {{ ref('stg_google_ads__campaign_daily') }}
),

campaigns as (
    select * from {{ ref('stg_google_ads__campaigns') }}
),

mapped as (
    select
        'google_ads' as channel,
        daily.customer_id as account_id,
        toString(daily.currency_code) as currency,
        daily.campaign_id as campaign_id,
        daily.campaign_name as campaign_name,
        -- NULL while the campaigns stream has not loaded the campaign (yet).
        toString(campaigns.status) as campaign_status,
        daily.date_day as date_day,
        toInt64(daily.impressions) as impressions,
        toInt64(daily.clicks) as clicks,
        toDecimal128(daily.cost, 6) as spend,
        toFloat64(daily.conversions) as conversions
    from daily
    left join campaigns
        on campaigns.customer_id = daily.customer_id and campaigns.campaign_id = daily.campaign_id
)

select * from mapped
