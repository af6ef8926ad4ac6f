with source as (
    select * from {{ source('facebook_ads', 'campaigns') }} final
),

renamed as (
    select
        account_id,
        id as campaign_id,
        name as campaign_name,
        status,
        effective_status,
        objective,
        -- Graph reports budgets in the currency's minor unit (cents).
        daily_budget / 100 as daily_budget,
        lifetime_budget / 100 as lifetime_budget,
        created_time,
        updated_time,
        _loaded_at
    from source
)

select * from renamed
