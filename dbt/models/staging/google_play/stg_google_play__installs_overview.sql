with source as (
    select * from {{ source('google_play', 'installs_overview') }} final
),

renamed as (
    select
        package_name,
        date as date_day,
        -- NULL where Play's file has no value (a column it did not report that month).
        daily_device_installs,
        daily_device_uninstalls,
        daily_device_upgrades,
        total_user_installs,
        daily_user_installs,
        daily_user_uninstalls,
        active_device_installs,
        install_events,
        update_events,
        uninstall_events,
        _loaded_at
    from source
)

select * from renamed
