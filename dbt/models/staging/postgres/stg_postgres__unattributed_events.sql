-- Live impressions and clicks the reports leave out because PostgreSQL has no campaign or no
-- time for them (NULL campaign_id / created_at; the original schema allows both). One row per
-- event kind, zeros included, so a dashboard or the warn-level test shows the count.
with impressions as (
    select
        'impression' as event,
        toUInt64(countIf(campaign_id is null or created_at is null)) as events,
        toUInt64(countIf(campaign_id is null)) as without_campaign,
        toUInt64(countIf(created_at is null)) as without_time
    from {{ source('postgres', 'impressions') }} final
    where _deleted = 0
),

clicks as (
    select
        'click' as event,
        toUInt64(countIf(campaign_id is null or created_at is null)) as events,
        toUInt64(countIf(campaign_id is null)) as without_campaign,
        toUInt64(countIf(created_at is null)) as without_time
    from {{ source('postgres', 'clicks') }} final
    where _deleted = 0
)

select * from impressions
union all
select * from clicks
