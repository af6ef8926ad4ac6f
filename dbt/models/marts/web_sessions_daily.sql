-- GA4 website traffic per property, day (the property's time zone) and acquisition (channel
-- group, source, medium, campaign): the site-side view next to the ad platforms' spend.
-- Only rows reported with the extractor's default dimension set add up to these columns;
-- rows from other `--dimensions` runs stay in staging for ad-hoc analysis.
{{ config(
    enabled=var('google_analytics_enabled', false),
    engine=table_engine(),
    order_by='(property_id, date_day, channel_group, session_source, session_medium, session_campaign_name)',
    partition_by='toYYYYMM(date_day)'
) }}

with sessions as (
    select * from {{ ref('stg_google_analytics__daily_sessions') }}
    where dimensions = 'sessionCampaignName,sessionDefaultChannelGroup,sessionMedium,sessionSource'
),

final as (
    select
        property_id,
        any(property_currency) as currency,
        date_day,
        channel_group,
        session_source,
        session_medium,
        session_campaign_name,
        toInt64(sum(sessions)) as sessions,
        toInt64(sum(total_users)) as total_users,
        toFloat64(sum(key_events)) as key_events,
        toFloat64(sum(total_revenue)) as total_revenue
    from sessions
    group by property_id, date_day, channel_group, session_source, session_medium, session_campaign_name
)

select * from final
