-- One row per Android app and day with what the Play Console shows about its health: device
-- installs and uninstalls, active installs, ratings, crash and ANR reports, and Android vitals'
-- crash and ANR rates. Each source covers different days (vitals lag, ratings exist only on days
-- with a rating), so the days are the union of all of them and a metric a source did not report
-- that day is NULL, never 0. Days are Pacific, as Play reports them.
{{ config(
    enabled=var('google_play_enabled', false),
    engine=table_engine(),
    order_by='(package_name, date_day)',
    partition_by='toYYYYMM(date_day)'
) }}

with installs as (
    select * from {{ ref('stg_google_play__installs_overview') }}
),

ratings as (
    select * from {{ ref('stg_google_play__ratings') }}
),

crashes as (
    select * from {{ ref('stg_google_play__crashes') }}
),

crash_rate as (
    select * from {{ ref('stg_google_play__vitals_crash_rate') }}
),

anr_rate as (
    select * from {{ ref('stg_google_play__vitals_anr_rate') }}
),

days as (
    select package_name, date_day from installs
    union distinct
    select package_name, date_day from ratings
    union distinct
    select package_name, date_day from crashes
    union distinct
    select package_name, date_day from crash_rate
    union distinct
    select package_name, date_day from anr_rate
)

select
    days.package_name as package_name,
    toDate(days.date_day) as date_day,
    installs.daily_device_installs as daily_device_installs,
    installs.daily_device_uninstalls as daily_device_uninstalls,
    installs.daily_user_installs as daily_user_installs,
    installs.active_device_installs as active_device_installs,
    ratings.daily_average_rating as daily_average_rating,
    ratings.total_average_rating as total_average_rating,
    crashes.daily_crashes as daily_crashes,
    crashes.daily_anrs as daily_anrs,
    crash_rate.crash_rate as crash_rate,
    crash_rate.user_perceived_crash_rate as user_perceived_crash_rate,
    anr_rate.anr_rate as anr_rate,
    anr_rate.user_perceived_anr_rate as user_perceived_anr_rate
from days
left join installs on installs.package_name = days.package_name and installs.date_day = days.date_day
left join ratings on ratings.package_name = days.package_name and ratings.date_day = days.date_day
left join crashes on crashes.package_name = days.package_name and crashes.date_day = days.date_day
left join crash_rate on crash_rate.package_name = days.package_name and crash_rate.date_day = days.date_day
left join anr_rate on anr_rate.package_name = days.package_name and anr_rate.date_day = days.date_day
