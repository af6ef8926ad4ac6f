-- App Store discovery funnel per app, day and territory from the Analytics Reports: impressions
-- and product page views (App Store Discovery and Engagement Standard) and first-time downloads
-- (App Downloads Standard). A report not loaded reads as 0.
{{ config(
    enabled=var('app_store_enabled', false),
    materialized='view'
) }}

with report_rows as (
    select * from {{ ref('stg_app_store__analytics_report') }}
)

select
    app_id,
    date_day,
    territory,
    toInt64(sumIf(
        counts,
        report_name = 'App Store Discovery and Engagement Standard'
        and JSONExtractString(dimension_values, 'Event') = 'Impression'
    )) as impressions,
    toInt64(sumIf(
        counts,
        report_name = 'App Store Discovery and Engagement Standard'
        and JSONExtractString(dimension_values, 'Event') = 'Page view'
    )) as product_page_views,
    toInt64(sumIf(
        counts,
        report_name = 'App Downloads Standard'
        and JSONExtractString(dimension_values, 'Download Type') = 'First-time download'
    )) as first_time_downloads
from report_rows
group by app_id, date_day, territory
