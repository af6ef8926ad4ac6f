with source as (
    select * from {{ source('google_analytics', 'daily_report') }} final
),

renamed as (
    select
        property_id,
        property_currency,
        property_timezone,
        date as date_day,
        dimensions,
        JSONExtractString(dimension_values, 'sessionDefaultChannelGroup') as channel_group,
        JSONExtractString(dimension_values, 'sessionSource') as session_source,
        JSONExtractString(dimension_values, 'sessionMedium') as session_medium,
        JSONExtractString(dimension_values, 'sessionCampaignName') as session_campaign_name,
        dimension_values,
        -- A metric the extractor was not asked for reads as 0.
        toInt64(metrics['sessions']) as sessions,
        toInt64(metrics['totalUsers']) as total_users,
        metrics['keyEvents'] as key_events,
        metrics['totalRevenue'] as total_revenue,
        _loaded_at
    from source
)

select * from renamed
