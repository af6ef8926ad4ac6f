with source as (
    select * from {{ source('clevertap', 'profiles') }} final
),

renamed as (
    select
        concat(account_id, '|', profile_key) as profile_id,
        account_id,
        profile_key,
        identity,
        object_id as clevertap_id,
        email,
        name,
        platform,
        profile_data,
        found_by_event,
        _loaded_at
    from source
)

select * from renamed
