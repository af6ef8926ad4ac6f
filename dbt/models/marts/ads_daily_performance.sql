-- Facebook and Google Ads side by side: one row per channel, account, campaign and day, in the
-- account's own currency and time zone (amounts are not converted between currencies).
{{ config(
    engine='MergeTree()',
    order_by='(channel, account_id, campaign_id, date_day)',
    partition_by='toYYYYMM(date_day)'
) }}

with facebook as (
    select
        'facebook_ads' as channel,
        account_id,
        any(account_currency) as currency,
        campaign_id,
        -- A rename mid-window leaves several names; the latest load's wins.
        argMax(campaign_name, _loaded_at) as campaign_name,
        date_day,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        toDecimal128(sum(spend), 6) as spend,
        toFloat64(sum(conversions)) as conversions
    from {{ ref('stg_facebook_ads__ad_insights') }}
    -- Rows with breakdowns split the same totals again; only the unbroken rows add up.
    where breakdowns = ''
    group by account_id, campaign_id, date_day
),

google as (
    select
        'google_ads' as channel,
        customer_id as account_id,
        currency_code as currency,
        campaign_id,
        campaign_name,
        date_day,
        impressions,
        clicks,
        toDecimal128(cost, 6) as spend,
        conversions
    from {{ ref('stg_google_ads__campaign_daily') }}
),

unioned as (
    select * from facebook
    union all
    select * from google
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
