with source as (
    select * from {{ source('google_play', 'earnings') }} final
),

renamed as (
    select
        package_name,
        report_month,
        source_file,
        line,
        description as order_id,
        transaction_date,
        transaction_time,
        transaction_type,
        tax_type,
        refund_type,
        product_type,
        sku_id,
        upper(trim(buyer_country)) as buyer_country,
        buyer_currency,
        amount_buyer_currency,
        currency_conversion_rate,
        merchant_currency,
        -- Net of Google's fee and taxes once summed over a transaction's lines: what the
        -- developer earns, in the account's merchant (payout) currency.
        amount_merchant_currency,
        _loaded_at
    from source
)

select * from renamed
