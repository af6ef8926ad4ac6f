with source as (
    select * from {{ source('google_play', 'crashes_overview') }} final
),

renamed as (
    select
        package_name,
        date as date_day,
        daily_crashes,
        daily_anrs,
        _loaded_at
    from source
)

select * from renamed
