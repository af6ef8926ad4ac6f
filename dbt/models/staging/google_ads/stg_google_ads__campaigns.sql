with source as (
    select * from {{ source('google_ads', 'campaigns') }} final
),

renamed as (
    select
        customer_id,
        id as campaign_id,
        name as campaign_name,
        status,
        advertising_channel_type,
        toDecimal128(budget_amount_micros, 6) / 1000000 as budget_amount,
        _loaded_at
    from source
)

select * from renamed
