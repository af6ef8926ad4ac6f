with source as (
    -- FINAL keeps the highest _version per id, so replayed loads collapse to one row.
    select * from {{ source('postgres', 'clicks') }} final
),

renamed as (
    select
        id as click_id,
        campaign_id,
        created_at as clicked_at,
        _loaded_at
    from source
    where _deleted = 0
)

select * from renamed
