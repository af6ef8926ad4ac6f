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
    select * from {{ ref('int_clicks_by_id_block') }}
),

daily as (
    select
        campaign_id,
        activity_date,
        toUInt64(sum(clicks)) as clicks,
        min(first_click_at) as first_click_at,
        max(last_click_at) as last_click_at,
        max(last_loaded_at) as last_loaded_at
    from blocks
    group by campaign_id, activity_date
)

select * from daily
