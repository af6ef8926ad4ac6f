with source as (
    -- FINAL keeps the highest _version per id, so replayed loads collapse to one row.
    select * from {{ source('postgres', 'impressions') }} final
),

renamed as (
    select
        id as impression_id,
        campaign_id,
        created_at as impressed_at,
        _loaded_at
    from source
    where _deleted = 0
)

select * from renamed
