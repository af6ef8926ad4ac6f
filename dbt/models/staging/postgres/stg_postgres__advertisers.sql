with source as (
    -- FINAL keeps the highest _version per id, so replayed loads collapse to one row.
    select * from {{ source('postgres', 'advertiser') }} final
),

renamed as (
    select
        id as advertiser_id,
        name as advertiser_name,
        created_at,
        updated_at,
        _loaded_at
    from source
    where _deleted = 0
)

select * from renamed
