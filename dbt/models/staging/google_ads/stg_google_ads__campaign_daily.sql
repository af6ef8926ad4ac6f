with source as (
    select * from {{ source('google_ads', 'campaign_daily') }} final
),

renamed as (
    select
        customer_id,
        currency_code,
        time_zone,
        campaign_id,
        campaign_name,
        date as date_day,
        impressions,
        clicks,
        cost_micros,
        -- Exact: a Decimal with 6 decimals holds every micro.
        toDecimal128(cost_micros, 6) / 1000000 as cost,
        conversions,
        conversions_value,
        _loaded_at
    from source
)

select * from renamed
