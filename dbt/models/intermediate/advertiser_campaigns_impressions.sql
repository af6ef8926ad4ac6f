{{
    config(
        materialized='incremental',
        incremental_strategy='delete_insert',
        unique_key='campaign_id, activity_date',
        engine='MergeTree()',
        order_by='(campaign_id, activity_date)',
        partition_by='toYYYYMM(activity_date)'
    )
}}

with impressions as (
    select
        campaign_id,
        toDate(impressed_at) as activity_date,
        impressed_at,
        _loaded_at
    from {{ ref('stg_postgres__impressions') }}
),

daily as (
    -- Staging holds one row per impression id (deduplicated), so count() never double counts a
    -- replayed load.
    select
        campaign_id,
        activity_date,
        count() as impressions,
        min(impressed_at) as first_impression_at,
        max(impressed_at) as last_impression_at,
        max(_loaded_at) as last_loaded_at
    from impressions
    {% if is_incremental() %}
    -- Re-count only the (campaign, day) pairs that received rows since the last run. Rows
    -- arrive back-dated, so the watermark is the load time, never the impression time; >= re-reads
    -- the last batch so a load finishing in the same millisecond is not missed.
    where (campaign_id, activity_date) in (
        select campaign_id, activity_date
        from impressions
        where _loaded_at >= (select max(last_loaded_at) from {{ this }})
    )
    {% endif %}
    group by campaign_id, activity_date
)

select * from daily
