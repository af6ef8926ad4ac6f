{{
    config(
        engine=table_engine(),
        order_by='(event)'
    )
}}

-- Live impressions and clicks that no report counts, because PostgreSQL has no campaign_id or
-- no created_at for them (see stg_postgres__unattributed_events): next to the reports, so the
-- count is visible where the reports are read.
select event, events, without_campaign, without_time
from {{ ref('stg_postgres__unattributed_events') }}
