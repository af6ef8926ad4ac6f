{{
    config(
        engine=table_engine(),
        order_by='(campaign_id, activity_date)',
        partition_by='toYYYYMM(activity_date)'
    )
}}

-- Clicks per campaign and UTC day, rebuilt on every run from the incremental
-- per-id-block counts (see macros/sum_id_blocks_by_day.sql).
{{ sum_id_blocks_by_day(event='click', blocks=ref('int_clicks_by_id_block')) }}
