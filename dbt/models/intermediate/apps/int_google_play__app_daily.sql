-- Google Play mapped to the cross-store shape of the app marts: one row per app, day and
-- country (and merchant currency). `installs` is Play's "Daily User Installs" from the country
-- report: users installing the app for the first time that day (new users), the counterpart of
-- the App Store's first-time downloads; device installs and re-installs are not counted.
-- `revenue` is the developer's earnings (charges net of Google's fee, taxes and refunds) from the
-- earnings reports, by transaction day and buyer country, in the account's merchant currency;
-- 0 where the service account may not read earnings. Days are Pacific, as Play reports them.
{{ config(
    enabled=var('google_play_enabled', false),
    materialized='view'
) }}

with installs as (
    select
        package_name as app_id,
        date_day,
        country_code,
        toInt64(sum(ifNull(daily_user_installs, 0))) as installs
    from {{ ref('stg_google_play__installs_country') }}
    group by app_id, date_day, country_code
),

earnings as (
    select
        package_name as app_id,
        transaction_date as date_day,
        buyer_country as country_code,
        merchant_currency as currency,
        toDecimal128(sum(amount_merchant_currency), 6) as revenue
    from {{ ref('stg_google_play__earnings') }}
    group by app_id, date_day, country_code, currency
),

-- Install rows carry the app's merchant currency (its latest), '' for an app without earnings.
app_currency as (
    select app_id, argMax(currency, date_day) as currency
    from earnings
    group by app_id
),

combined as (
    select
        installs.app_id as app_id,
        installs.date_day as date_day,
        installs.country_code as country_code,
        ifNull(app_currency.currency, '') as currency,
        installs.installs as installs,
        toDecimal128(0, 6) as revenue
    from installs
    left join app_currency on installs.app_id = app_currency.app_id
    settings join_use_nulls = 1

    union all

    select app_id, date_day, country_code, currency, toInt64(0) as installs, revenue
    from earnings
)

select
    toString('google_play') as store,
    toString(app_id) as app_id,
    toDate(date_day) as date_day,
    toString(country_code) as country_code,
    toInt64(sum(installs)) as installs,
    toDecimal128(sum(revenue), 6) as revenue,
    toString(currency) as currency
from combined
group by app_id, date_day, country_code, currency
