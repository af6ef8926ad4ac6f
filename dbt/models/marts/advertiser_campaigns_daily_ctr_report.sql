{{
    config(
        materialized='incremental',
        incremental_strategy='delete_insert',
        unique_key='campaign_id, activity_date',
        engine='MergeTree()',
        order_by='(advertiser_id, campaign_id, activity_date)',
        partition_by='toYYYYMM(activity_date)'
    )
}}

with campaigns as (
    select * from {{ ref('advertiser_campaigns') }}
),

activity as (
    select campaign_id, activity_date, impressions, 0 as clicks, last_loaded_at
    from {{ ref('advertiser_campaigns_impressions') }}
    union all
    select campaign_id, activity_date, 0 as impressions, clicks, last_loaded_at
    from {{ ref('advertiser_campaigns_clicks') }}
),

daily as (
    select
        campaign_id,
        activity_date,
        toUInt64(sum(impressions)) as impressions,
        toUInt64(sum(clicks)) as clicks,
        max(last_loaded_at) as last_loaded_at
    from activity
    {% if is_incremental() %}
    -- Only the (campaign, day) pairs the daily entity models re-counted since the last run.
    where (campaign_id, activity_date) in (
        select campaign_id, activity_date
        from activity
        where last_loaded_at >= (select max(last_loaded_at) from {{ this }})
    )
    {% endif %}
    group by campaign_id, activity_date
),

report as (
    select
        daily.activity_date as activity_date,
        campaigns.advertiser_id as advertiser_id,
        campaigns.advertiser_name as advertiser_name,
        daily.campaign_id as campaign_id,
        campaigns.campaign_name as campaign_name,
        daily.impressions as impressions,
        daily.clicks as clicks,
        -- A day with clicks but no impressions has no CTR: NULL, never a division by zero.
        if(daily.impressions > 0, daily.clicks / daily.impressions, null) as ctr,
        daily.last_loaded_at as last_loaded_at
    from daily
    -- Inner join: activity of a campaign deleted in PostgreSQL is not reported.
    inner join campaigns on campaigns.campaign_id = daily.campaign_id
)

select * from report
