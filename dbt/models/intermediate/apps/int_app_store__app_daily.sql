-- App Store mapped to the cross-store shape of installs and revenue per app, day and country:
-- store, app_id, date_day, country_code, installs, revenue, currency.
--   installs: first-time downloads only (stg_app_store__sales.is_first_time_download: product
--     types 1, 1F, 1T, F1, 1E, 1EP, 1EU), positive units — refunded paid downloads do not
--     un-install an app.
--   revenue: developer proceeds (units × proceeds per unit, refunds negative) of everything sold
--     for the app — paid downloads, in-app purchases and subscriptions — in the currency of
--     proceeds. An in-app purchase names its app only by SKU (Parent Identifier), so it is
--     credited to the Apple id of the app with that SKU in the same vendor account.
{{ config(
    enabled=var('app_store_enabled', false),
    materialized='view'
) }}

with sales as (
    select * from {{ ref('stg_app_store__sales') }}
),

apps as (
    select vendor_number, sku, any(apple_identifier) as app_apple_identifier
    from sales
    where parent_identifier = ''
    group by vendor_number, sku
),

attributed as (
    select
        -- The join gives NULL (dbt-clickhouse sets join_use_nulls) when the parent is unknown.
        coalesce(
            if(sales.parent_identifier != '', nullIf(apps.app_apple_identifier, ''), null),
            sales.apple_identifier
        ) as app_id,
        sales.date_day,
        sales.country_code,
        sales.currency_of_proceeds as currency,
        if(sales.is_first_time_download and sales.units > 0, sales.units, 0) as installs,
        sales.proceeds
    from sales
    left join apps
        on apps.vendor_number = sales.vendor_number
        and apps.sku = sales.parent_identifier
)

select
    'app_store' as store,
    toString(app_id) as app_id,
    toDate(date_day) as date_day,
    country_code,
    toInt64(sum(installs)) as installs,
    cast(sum(proceeds) as Decimal(38, 6)) as revenue,
    toString(currency) as currency
from attributed
group by app_id, date_day, country_code, currency
