-- Facebook and Google Ads side by side: one row per channel, account, campaign and day, in the
-- account's own currency and time zone (amounts are never converted or summed across
-- currencies: every sum over this mart must group by currency). The advertiser comes from the
-- ad_account_advertisers seed. Each
-- platform's mapping lives in its intermediate model (int_<platform>__campaign_daily), so this
-- mart is a union and a group-by. Only the platforms switched on by their `<platform>_enabled`
-- var are read: a ref to a disabled model is an error in dbt, so each sits behind the same var.
{%- set platforms = [] %}
{%- if var('facebook_ads_enabled', false) %}{% do platforms.append('int_facebook_ads__campaign_daily') %}{% endif %}
{%- if var('google_ads_enabled', false) %}{% do platforms.append('int_google_ads__campaign_daily') %}{% endif %}
{{ config(
    enabled=(var('facebook_ads_enabled', false) or var('google_ads_enabled', false)),
    engine=table_engine(),
    order_by='(channel, account_id, campaign_id, date_day)',
    partition_by='toYYYYMM(date_day)'
) }}

with unioned as (
{%- for platform in platforms %}
    select
        channel, account_id, currency, campaign_id, campaign_name, campaign_status, date_day,
        impressions, clicks, spend, conversions
    from {{ ref(platform) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
),

advertisers as (
    select channel, account_id, advertiser_name from {{ ref('ad_account_advertisers') }}
),

grouped as (
    select
        channel,
        account_id,
        currency,
        campaign_id,
        any(campaign_name) as campaign_name,
        any(campaign_status) as campaign_status,
        date_day,
        toInt64(sum(impressions)) as impressions,
        toInt64(sum(clicks)) as clicks,
        toDecimal128(sum(spend), 6) as spend,
        toFloat64(sum(conversions)) as conversions
    from unioned
    group by channel, account_id, currency, campaign_id, date_day
),

final as (
    select
        grouped.channel as channel,
        grouped.account_id as account_id,
        coalesce(
            nullIf(advertisers.advertiser_name, ''),
            concat(grouped.channel, ' account ', toString(grouped.account_id), ' (unmapped)')
        ) as advertiser_name,
        currency,
        campaign_id,
        campaign_name,
        campaign_status,
        date_day,
        impressions,
        clicks,
        spend,
        conversions,
        -- NULL where the ratio is undefined (no impressions / no clicks), never a division by 0.
        if(impressions = 0, null, round(clicks / impressions, 6)) as ctr,
        if(clicks = 0, null, toDecimal128(spend / clicks, 6)) as cpc,
        if(impressions = 0, null, toDecimal128(spend * 1000 / impressions, 6)) as cpm
    from grouped
    left join advertisers
        on advertisers.channel = grouped.channel and advertisers.account_id = toString(grouped.account_id)
)

select * from final
