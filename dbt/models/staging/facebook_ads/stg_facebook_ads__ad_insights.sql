with source as (
    select * from {{ source('facebook_ads', 'ads_insights') }} final
),

renamed as (
    select
        account_id,
        account_currency,
        account_timezone,
        date as date_day,
        breakdowns,
        breakdown_values,
        campaign_id,
        campaign_name,
        adset_id,
        adset_name,
        ad_id,
        ad_name,
        impressions,
        clicks,
        toDecimal128(spend, 6) as spend,
        -- The extractor flattens the action types it was told to; a missing type counts 0.
        actions_flat['link_click'] as link_clicks,
        actions_flat['purchase'] as purchases,
        action_values_flat['purchase'] as purchase_value,
        arraySum(
            arrayMap(
                t -> actions_flat[t],
                splitByChar(',', '{{ var("facebook_conversion_action_types", "purchase") }}')
            )
        ) as conversions,
        actions as actions_json,
        action_values as action_values_json,
        _loaded_at
    from source
)

select * from renamed
