{{
    config(
        materialized='incremental',
        incremental_strategy='legacy',
        unique_key='id_block',
        engine=table_engine(),
        order_by='(id_block, campaign_id, activity_date)'
    )
}}

-- Impressions per campaign, UTC day and block of var('id_block_size') consecutive ids,
-- re-counted per touched block on each incremental run (see macros/count_by_id_block.sql).
{{
    count_by_id_block(
        event='impression',
        occurred_at='impressed_at',
        live=ref('stg_postgres__impressions'),
        deleted=ref('stg_postgres__deleted_impressions'),
        loads=ref('stg_postgres__impression_loads')
    )
}}
