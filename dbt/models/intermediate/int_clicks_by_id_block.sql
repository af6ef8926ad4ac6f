{{
    config(
        materialized='incremental',
        incremental_strategy='legacy',
        unique_key='id_block',
        engine='MergeTree()',
        order_by='(id_block, campaign_id, activity_date)'
    )
}}

{%- set block_size = var('id_block_size') %}

-- Only referenced in the incremental branch, which dbt does not see when it parses the model.
-- depends_on: {{ ref('stg_postgres__click_loads') }}

-- Clicks per campaign, UTC day and block of {{ block_size }} consecutive click ids. Every
-- version of an id lives in one block, so re-counting a block from the deduplicated staging
-- models is exact: replayed loads count once, deletions (tombstones) drop out.
with
{% if is_incremental() %}
touched_blocks as (
    -- Blocks that received rows or tombstones since the newest load already counted. >= re-reads
    -- the newest batch, so a batch stamped in the same millisecond as the watermark is not missed.
    select distinct intDiv(click_id, {{ block_size }}) as id_block
    from {{ ref('stg_postgres__click_loads') }}
    where _loaded_at >= (select max(last_loaded_at) from {{ this }})
),
{% endif %}

events as (
    select campaign_id, clicked_at, _loaded_at, 1 as is_live, intDiv(click_id, {{ block_size }}) as id_block
    from {{ ref('stg_postgres__clicks') }}
    {% if is_incremental() %}
    -- A filter on the id lets ClickHouse read only the touched blocks' granules.
    where intDiv(click_id, {{ block_size }}) in (select id_block from touched_blocks)
    {% endif %}
    union all
    -- Deleted clicks stay as groups with a count of 0: a block whose clicks were all deleted
    -- is still in the new data, so its old rows are replaced, and the tombstones' load time
    -- moves the watermark.
    select campaign_id, clicked_at, deleted_loaded_at as _loaded_at, 0 as is_live, intDiv(click_id, {{ block_size }}) as id_block
    from {{ ref('stg_postgres__deleted_clicks') }}
    {% if is_incremental() %}
    where intDiv(click_id, {{ block_size }}) in (select id_block from touched_blocks)
    {% endif %}
),

blocks as (
    select
        id_block,
        campaign_id,
        toDate(clicked_at) as activity_date,
        toUInt64(countIf(is_live = 1)) as clicks,
        minIf(toNullable(clicked_at), is_live = 1) as first_click_at,
        maxIf(toNullable(clicked_at), is_live = 1) as last_click_at,
        max(_loaded_at) as last_loaded_at
    from events
    group by id_block, campaign_id, activity_date
)

select * from blocks
