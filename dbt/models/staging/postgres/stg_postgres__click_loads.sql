-- Every loaded version of every click, NOT deduplicated: a load log that lets incremental
-- models find what changed since their last run without merging the whole table (no FINAL).
with source as (
    select * from {{ source('postgres', 'clicks') }}
),

renamed as (
    select
        id as click_id,
        _loaded_at
    from source
)

select * from renamed
