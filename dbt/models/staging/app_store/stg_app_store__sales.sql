-- Sales and Trends summary rows, latest restatement, with the row's total proceeds (Apple's
-- Developer Proceeds are per unit) and whether it is a first-time download.
with source as (
    select * from {{ source('app_store', 'sales_summary') }} final
),

renamed as (
    select
        vendor_number,
        toDate(report_date) as date_day,
        apple_identifier,
        parent_identifier,
        sku,
        title,
        product_type_identifier,
        -- First-time downloads of an app, per Apple's product type identifier table: 1 (iOS,
        -- iPadOS, visionOS, watchOS app), 1F (universal app), 1T (iPad app), F1 (Mac app), 1E /
        -- 1EP / 1EU (paid custom apps). Redownloads (3*), updates (7*), bundles and in-app
        -- purchases are not installs.
        product_type_identifier in ('1', '1F', '1T', 'F1', '1E', '1EP', '1EU')
            as is_first_time_download,
        country_code,
        customer_currency,
        customer_price,
        currency_of_proceeds,
        units,
        developer_proceeds as developer_proceeds_per_unit,
        cast(units * developer_proceeds as Decimal(38, 6)) as proceeds,
        device,
        proceeds_reason,
        row_key,
        _loaded_at
    from source
)

select * from renamed
