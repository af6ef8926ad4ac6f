-- Facebook Ads mapped to the cross-channel shape of ads_daily_performance: one row per account,
-- campaign and day (the account's time zone), in the account currency, with the campaign's
-- delivery status from the campaigns stream.
{{ config(
    enabled=var('facebook_ads_enabled', false),
    materialized='view'
) }}

with insights as (
    select * from {{ ref('stg_facebook_ads__ad_insights') }}
    -- Rows with breakdowns split the same totals again; only the unbroken rows add up.
    where breakdowns = ''
),

campaigns as (
    select * from {{ ref('stg_facebook_ads__campaigns') }}
),

daily as (
    select
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
    from insights
    group by account_id, campaign_id, date_day
),

mapped as (
    select
        'facebook_ads' as channel,
        daily.account_id as account_id,
        daily.currency as currency,
        daily.campaign_id as campaign_id,
        daily.campaign_name as campaign_name,
        -- NULL while the campaigns stream has not loaded the campaign (yet).
        toString(campaigns.effective_status) as campaign_status,
        daily.date_day as date_day,
        daily.impressions as impressions,
        daily.clicks as clicks,
        daily.spend as spend,
        daily.conversions as conversions
    from daily
    left join campaigns
        on campaigns.account_id = daily.account_id and campaigns.campaign_id = daily.campaign_id
)

select * from mapped
