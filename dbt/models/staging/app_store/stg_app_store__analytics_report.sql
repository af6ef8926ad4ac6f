-- Analytics Reports rows, latest restatement, with the columns every standard report has.
with source as (
    select * from {{ source('app_store', 'analytics_report') }} final
),

renamed as (
    select
        app_id,
        report_name,
        report_category,
        toDate(processing_date) as processing_date,
        toDate(date) as date_day,
        app_name,
        JSONExtractString(dimension_values, 'Territory') as territory,
        dimension_values,
        -- A count the report does not have reads as 0.
        measures['Counts'] as counts,
        measures['Unique Counts'] as unique_counts,
        _loaded_at
    from source
)

select * from renamed
