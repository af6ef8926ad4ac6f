with source as (
    select * from {{ source('google_ads', 'ad_group_daily') }} final
),

renamed as (
    select
        customer_id,
        currency_code,
        time_zone,
        campaign_id,
        campaign_name,
        ad_group_id,
        ad_group_name,
        date as date_day,
        impressions,
        clicks,
        cost_micros,
        toDecimal128(cost_micros, 6) / 1000000 as cost,
        conversions,
        conversions_value,
        _loaded_at
    from source
)

select * from renamed
