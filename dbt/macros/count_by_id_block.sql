{#-
  The body of int_clicks_by_id_block and int_impressions_by_id_block: events (`event` is
  'click' or 'impression') per campaign, UTC day and block of var('id_block_size') consecutive
  ids. Every version of an id lives in one block, so re-counting a block from the deduplicated
  staging models is exact: replayed loads count once, deletions (tombstones) drop out.

  live, deleted, loads: the event's staging models (rows, tombstones, load log), passed as
  ref()s so each model names its own inputs. They must have `<event>_id`, `campaign_id`,
  `<occurred_at>` and `_loaded_at` (`deleted_loaded_at` on tombstones).
-#}
{% macro count_by_id_block(event, occurred_at, live, deleted, loads) %}
{%- set block_size = var('id_block_size') %}
{%- set id_block = 'intDiv(' ~ event ~ '_id, ' ~ block_size ~ ')' %}
with
{% if is_incremental() %}
touched_blocks as (
    -- Blocks that received rows or tombstones since the newest load already counted. >= re-reads
    -- the newest batch, so a batch stamped in the same millisecond as the watermark is not missed.
    select distinct {{ id_block }} as id_block
    from {{ loads }}
    where _loaded_at >= (select max(last_loaded_at) from {{ this }})
),
{% endif %}

events as (
    select campaign_id, {{ occurred_at }}, _loaded_at, 1 as is_live, {{ id_block }} as id_block
    from {{ live }}
    {% if is_incremental() %}
    -- A filter on the id lets ClickHouse read only the touched blocks' granules.
    where {{ id_block }} in (select id_block from touched_blocks)
    {% endif %}
    union all
    -- Deleted events stay as groups with a count of 0: a block whose events were all deleted
    -- is still in the new data, so its old rows are replaced, and the tombstones' load time
    -- moves the watermark.
    select campaign_id, {{ occurred_at }}, deleted_loaded_at as _loaded_at, 0 as is_live, {{ id_block }} as id_block
    from {{ deleted }}
    {% if is_incremental() %}
    where {{ id_block }} in (select id_block from touched_blocks)
    {% endif %}
),

blocks as (
    select
        id_block,
        campaign_id,
        toDate({{ occurred_at }}) as activity_date,
        toUInt64(countIf(is_live = 1)) as {{ event }}s,
        minIf(toNullable({{ occurred_at }}), is_live = 1) as first_{{ event }}_at,
        maxIf(toNullable({{ occurred_at }}), is_live = 1) as last_{{ event }}_at,
        max(_loaded_at) as last_loaded_at
    from events
    group by id_block, campaign_id, activity_date
)

select * from blocks
{% endmacro %}
