with source as (
    -- FINAL keeps the highest _version per id: a tombstone outranks the row it deletes.
    select * from {{ source('postgres', 'clicks') }} final
),

renamed as (
    -- Tombstones carry the deleted row's last known values.
    select
        id as click_id,
        campaign_id,
        created_at as clicked_at,
        _loaded_at as deleted_loaded_at
    from source
    where _deleted = 1
)

select * from renamed
