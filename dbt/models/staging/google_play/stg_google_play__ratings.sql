with source as (
    select * from {{ source('google_play', 'ratings_overview') }} final
),

renamed as (
    select
        package_name,
        date as date_day,
        -- NULL on days without a new rating (Play writes NA).
        daily_average_rating,
        total_average_rating,
        _loaded_at
    from source
)

select * from renamed
