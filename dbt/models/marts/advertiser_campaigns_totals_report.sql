{{
    config(
        engine=table_engine(),
        order_by='(advertiser_id, campaign_id)'
    )
}}

{#- Spend and status are judged in int_campaign_delivery (macros/campaign_pricing.sql). -#}

with campaigns as (
    select * from {{ ref('int_advertiser_campaigns') }}
),

delivery as (
    select * from {{ ref('int_campaign_delivery') }}
),

report as (
    select
        -- A campaign without advertiser in PostgreSQL (NULL) is kept, under advertiser 0
        -- (SERIAL ids start at 1): its delivery and spend are real and belong in the totals.
        ifNull(campaigns.advertiser_id, 0) as advertiser_id,
        if(campaigns.advertiser_id is null, '(unknown advertiser)', campaigns.advertiser_name) as advertiser_name,
        campaigns.campaign_id as campaign_id,
        campaigns.campaign_name as campaign_name,
        campaigns.bid as bid,
        campaigns.budget as budget,
        campaigns.start_date as start_date,
        campaigns.end_date as end_date,
        delivery.impressions as impressions,
        delivery.clicks as clicks,
        -- CTR is undefined without impressions: NULL, never a division by zero.
        if(delivery.impressions > 0, delivery.clicks / delivery.impressions, null) as ctr,
        '{{ pricing_model() }}' as pricing_model,
        delivery.spend as spend,
        -- Never negative: an overspent campaign has nothing left; utilisation shows by how much.
        if(delivery.spend >= campaigns.budget, toDecimal128(0, 6), campaigns.budget - delivery.spend) as budget_remaining,
        if(campaigns.budget > 0, toFloat64(delivery.spend) / toFloat64(campaigns.budget), null) as budget_utilisation,
        delivery.first_activity_at as first_activity_at,
        delivery.last_activity_at as last_activity_at,
        delivery.status as status,
        delivery.status_as_of as status_as_of,
        delivery.flight_check as flight_check,
        delivery.impressions_before_start + delivery.impressions_after_end as out_of_flight_impressions,
        delivery.clicks_before_start + delivery.clicks_after_end as out_of_flight_clicks
    from campaigns
    inner join delivery on delivery.campaign_id = campaigns.campaign_id
)

select * from report
