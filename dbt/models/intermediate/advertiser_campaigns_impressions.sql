{{
    config(
        engine='MergeTree()',
        order_by='(campaign_id, activity_date)',
        partition_by='toYYYYMM(activity_date)'
    )
}}

-- Rebuilt from the incremental per-id-block counts, which hold at most a few rows per
-- (campaign, day): cheap to re-aggregate on every run.
with blocks as (
    select * from {{ ref('int_impressions_by_id_block') }}
),

daily as (
    select
        campaign_id,
        activity_date,
        toUInt64(sum(impressions)) as impressions,
        min(first_impression_at) as first_impression_at,
        max(last_impression_at) as last_impression_at,
        max(last_loaded_at) as last_loaded_at
    from blocks
    group by campaign_id, activity_date
)

select * from daily
