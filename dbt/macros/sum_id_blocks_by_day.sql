{#-
  The body of int_clicks_by_day and int_impressions_by_day: the per-id-block
  counts of `event` ('click' or 'impression', built by count_by_id_block) summed per campaign
  and UTC day. The block tables hold at most a few rows per (campaign, day), so this is cheap to
  rebuild on every run.
-#}
{% macro sum_id_blocks_by_day(event, blocks) %}
with blocks as (
    select * from {{ blocks }}
),

daily as (
    select
        campaign_id,
        activity_date,
        toUInt64(sum({{ event }}s)) as {{ event }}s,
        min(first_{{ event }}_at) as first_{{ event }}_at,
        max(last_{{ event }}_at) as last_{{ event }}_at,
        max(last_loaded_at) as last_loaded_at
    from blocks
    group by campaign_id, activity_date
)

select * from daily
{% endmacro %}
