with source as (
    -- FINAL keeps the highest _version per id: a tombstone outranks the row it deletes.
    select * from {{ source('postgres', 'clicks') }} final
),

renamed as (
    -- Tombstones carry the deleted row's last known values.
    select
        id as click_id,
        assumeNotNull(campaign_id) as campaign_id,
        assumeNotNull(created_at) as clicked_at,
        _loaded_at as deleted_loaded_at
    from source
    -- Like stg_postgres__clicks: an event without campaign or time was never counted.
    where _deleted = 1 and campaign_id is not null and created_at is not null
)

select * from renamed
