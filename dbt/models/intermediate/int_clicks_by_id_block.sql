{{
    config(
        materialized='incremental',
        incremental_strategy='legacy',
        unique_key='id_block',
        engine=table_engine(),
        order_by='(id_block, campaign_id, activity_date)'
    )
}}

-- Clicks per campaign, UTC day and block of var('id_block_size') consecutive ids,
-- re-counted per touched block on each incremental run (see macros/count_by_id_block.sql).
{{
    count_by_id_block(
        event='click',
        occurred_at='clicked_at',
        live=ref('stg_postgres__clicks'),
        deleted=ref('stg_postgres__deleted_clicks'),
        loads=ref('stg_postgres__click_loads')
    )
}}
