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

-- Every click ever loaded, live or since deleted in PostgreSQL. Keeping deleted ones makes
-- their (campaign, day) reappear with the live count (0 when all are gone), so a deletion
-- corrects the day instead of leaving a stale count behind.
with events as (
    select campaign_id, toDate(clicked_at) as activity_date, clicked_at, _loaded_at, 1 as is_live
    from {{ ref('stg_postgres__clicks') }}
    union all
    select campaign_id, toDate(clicked_at) as activity_date, clicked_at, deleted_loaded_at as _loaded_at, 0 as is_live
    from {{ ref('stg_postgres__deleted_clicks') }}
),

daily as (
    -- Staging holds one row per click id (deduplicated), so counting never double counts a
    -- replayed load.
    select
        campaign_id,
        activity_date,
        toUInt64(countIf(is_live = 1)) as clicks,
        minIf(toNullable(clicked_at), is_live = 1) as first_click_at,
        maxIf(toNullable(clicked_at), is_live = 1) as last_click_at,
        max(_loaded_at) as last_loaded_at
    from events
    {% if is_incremental() %}
    -- Re-count only the (campaign, day) pairs that received rows or tombstones since the last
    -- run. Rows arrive back-dated, so the watermark is the load time, never the click time;
    -- >= re-reads the newest batch so a load finishing in the same millisecond is not missed.
    where (campaign_id, activity_date) in (
        select campaign_id, activity_date
        from events
        where _loaded_at >= (select max(last_loaded_at) from {{ this }})
    )
    {% endif %}
    group by campaign_id, activity_date
)

select * from daily
