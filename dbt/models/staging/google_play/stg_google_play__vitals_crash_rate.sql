with source as (
    select * from {{ source('google_play', 'vitals_crash_rate') }} final
),

renamed as (
    select
        package_name,
        -- A day in America/Los_Angeles, the only zone the API serves daily vitals in.
        date as date_day,
        crash_rate,
        user_perceived_crash_rate,
        distinct_users,
        _loaded_at
    from source
)

select * from renamed
