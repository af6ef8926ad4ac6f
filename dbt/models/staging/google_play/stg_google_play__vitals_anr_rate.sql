with source as (
    select * from {{ source('google_play', 'vitals_anr_rate') }} final
),

renamed as (
    select
        package_name,
        -- A day in America/Los_Angeles, the only zone the API serves daily vitals in.
        date as date_day,
        anr_rate,
        user_perceived_anr_rate,
        distinct_users,
        _loaded_at
    from source
)

select * from renamed
