with source as (
    -- FINAL keeps the highest _version per id, so replayed loads collapse to one row.
    select * from {{ source('postgres', 'campaign') }} final
),

renamed as (
    select
        id as campaign_id,
        advertiser_id,
        name as campaign_name,
        bid,
        budget,
        toDate(start_date) as start_date,
        toDate(end_date) as end_date,
        created_at,
        updated_at,
        _loaded_at
    from source
    where _deleted = 0
)

select * from renamed
