{#-
  Rebuilt in full from the daily entity models. Those are incremental (only touched days are
  re-counted from raw), and this table is only as large as campaigns x active days.
-#}
{{
    config(
        engine=table_engine(),
        order_by='(advertiser_id, campaign_id, activity_date)',
        partition_by='toYYYYMM(activity_date)'
    )
}}

with campaigns as (
    select * from {{ ref('int_advertiser_campaigns') }}
),

delivery as (
    select campaign_id, status, flight_check from {{ ref('int_campaign_delivery') }}
),

activity as (
    select campaign_id, activity_date, impressions, 0 as clicks, last_loaded_at
    from {{ ref('int_impressions_by_day') }}
    union all
    select campaign_id, activity_date, 0 as impressions, clicks, last_loaded_at
    from {{ ref('int_clicks_by_day') }}
),

daily as (
    select
        campaign_id,
        activity_date,
        toUInt64(sum(impressions)) as impressions,
        toUInt64(sum(clicks)) as clicks,
        max(last_loaded_at) as last_loaded_at
    from activity
    group by campaign_id, activity_date
    -- Days whose rows were all deleted in PostgreSQL stay in the entity models with zero counts.
    having impressions > 0 or clicks > 0
),

report as (
    select
        daily.activity_date as activity_date,
        -- A campaign without advertiser in PostgreSQL (NULL) is kept, under advertiser 0
        -- (SERIAL ids start at 1): its delivery and spend are real and belong in the totals.
        ifNull(campaigns.advertiser_id, 0) as advertiser_id,
        if(campaigns.advertiser_id is null, '(unknown advertiser)', campaigns.advertiser_name) as advertiser_name,
        daily.campaign_id as campaign_id,
        campaigns.campaign_name as campaign_name,
        daily.impressions as impressions,
        daily.clicks as clicks,
        -- A day with clicks but no impressions has no CTR: NULL, never a division by zero.
        if(daily.impressions > 0, daily.clicks / daily.impressions, null) as ctr,
        daily.last_loaded_at as last_loaded_at,
        {{ campaign_spend('campaigns.bid', 'daily.impressions', 'daily.clicks') }} as spend,
        -- Lifetime spend up to and including this day: "spend to date" at the end of any period.
        sum(spend) over (
            partition by daily.campaign_id order by daily.activity_date
            rows between unbounded preceding and current row
        ) as spend_to_date,
        campaigns.budget as budget,
        campaigns.start_date as start_date,
        campaigns.end_date as end_date,
        delivery.status as status,
        delivery.flight_check as flight_check,
        multiIf(
            daily.activity_date < campaigns.start_date, 'before_start',
            daily.activity_date > campaigns.end_date, 'after_end',
            'in_flight'
        ) as flight,
        -- The day the reports are judged on (today) is still running: its counts are partial.
        toUInt8(daily.activity_date < {{ report_as_of() }}) as is_complete_day
    from daily
    -- Inner join: activity of a campaign deleted in PostgreSQL is not reported.
    inner join campaigns on campaigns.campaign_id = daily.campaign_id
    inner join delivery on delivery.campaign_id = daily.campaign_id
)

select * from report
