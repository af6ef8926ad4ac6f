{{
    config(
        engine=table_engine(),
        order_by='(campaign_id)'
    )
}}

with campaigns as (
    select * from {{ ref('stg_postgres__campaigns') }}
),

advertisers as (
    select * from {{ ref('stg_postgres__advertisers') }}
),

-- A left join keeps a campaign whose advertiser is missing, so the relationships test sees it.
advertiser_campaigns as (
    select
        campaigns.advertiser_id as advertiser_id,
        advertisers.advertiser_name as advertiser_name,
        campaigns.campaign_id as campaign_id,
        campaigns.campaign_name as campaign_name,
        campaigns.bid as bid,
        campaigns.budget as budget,
        campaigns.start_date as start_date,
        campaigns.end_date as end_date,
        campaigns.created_at as campaign_created_at,
        campaigns.updated_at as campaign_updated_at
    from campaigns
    left join advertisers on advertisers.advertiser_id = campaigns.advertiser_id
)

select * from advertiser_campaigns
