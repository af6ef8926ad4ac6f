with source as (
    -- FINAL keeps the highest _version per id, so replayed loads collapse to one row.
    select * from {{ source('postgres', 'clicks') }} final
),

renamed as (
    select
        id as click_id,
        assumeNotNull(campaign_id) as campaign_id,
        assumeNotNull(created_at) as clicked_at,
        _loaded_at
    from source
    -- An event without campaign or time cannot be placed in any report: it is left out here
    -- and counted in stg_postgres__unattributed_events instead.
    where _deleted = 0 and campaign_id is not null and created_at is not null
)

select * from renamed
