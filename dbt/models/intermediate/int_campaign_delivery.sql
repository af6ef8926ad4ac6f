{{
    config(
        engine=table_engine(),
        order_by='(campaign_id)'
    )
}}

{#-
  Each current campaign's lifetime delivery, judged once for both reports: counts, spend under
  the pricing model, activity outside the flight dates, and the campaign's status.
-#}

with campaigns as (
    select campaign_id, bid, budget, start_date, end_date
    from {{ ref('int_advertiser_campaigns') }}
),

activity as (
    select
        campaign_id, activity_date, impressions, toUInt64(0) as clicks,
        first_impression_at as first_at, last_impression_at as last_at
    from {{ ref('int_impressions_by_day') }}
    union all
    select
        campaign_id, activity_date, toUInt64(0) as impressions, clicks,
        first_click_at as first_at, last_click_at as last_at
    from {{ ref('int_clicks_by_day') }}
),

delivery as (
    select
        campaigns.campaign_id as campaign_id,
        any(campaigns.bid) as bid,
        any(campaigns.budget) as budget,
        any(campaigns.start_date) as start_date,
        any(campaigns.end_date) as end_date,
        toUInt64(coalesce(sum(activity.impressions), 0)) as impressions,
        toUInt64(coalesce(sum(activity.clicks), 0)) as clicks,
        -- Days whose rows were all deleted keep a zero count and say nothing about activity.
        minIf(activity.first_at, activity.impressions + activity.clicks > 0) as first_at,
        maxIf(activity.last_at, activity.impressions + activity.clicks > 0) as last_at,
        toUInt64(coalesce(sumIf(activity.impressions, activity.activity_date < campaigns.start_date), 0)) as impressions_before_start,
        toUInt64(coalesce(sumIf(activity.clicks, activity.activity_date < campaigns.start_date), 0)) as clicks_before_start,
        toUInt64(coalesce(sumIf(activity.impressions, activity.activity_date > campaigns.end_date), 0)) as impressions_after_end,
        toUInt64(coalesce(sumIf(activity.clicks, activity.activity_date > campaigns.end_date), 0)) as clicks_after_end,
        count(activity.campaign_id) > 0 as has_days
    from campaigns
    left join activity on activity.campaign_id = campaigns.campaign_id
    group by campaigns.campaign_id
),

judged as (
    select
        campaign_id,
        impressions,
        clicks,
        {{ campaign_spend('bid', 'impressions', 'clicks') }} as spend,
        if(has_days and impressions + clicks > 0, first_at, null) as first_activity_at,
        if(has_days and impressions + clicks > 0, last_at, null) as last_activity_at,
        impressions_before_start,
        clicks_before_start,
        impressions_after_end,
        clicks_after_end,
        {{ report_as_of() }} as status_as_of,
        -- Budget first: a campaign that ran out of money stopped early, whatever its dates say.
        multiIf(
            spend >= budget, 'budget_exhausted',
            status_as_of < start_date, 'scheduled',
            status_as_of > end_date, 'ended',
            'active'
        ) as status,
        -- Delivery outside the flight is flagged next to the status, never hidden behind it.
        multiIf(
            impressions_before_start + clicks_before_start > 0
                and impressions_after_end + clicks_after_end > 0, 'activity_before_start_and_after_end',
            impressions_before_start + clicks_before_start > 0, 'activity_before_start',
            impressions_after_end + clicks_after_end > 0, 'activity_after_end',
            'ok'
        ) as flight_check
    from delivery
)

select * from judged
