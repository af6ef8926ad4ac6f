with source as (
    select * from {{ source('clevertap', 'events') }} final
),

renamed as (
    select
        concat(account_id, '|', event_name, '|', toString(event_date), '|', event_key) as event_id,
        account_id,
        event_name,
        event_date,
        event_key,
        event_time as event_at,
        account_timezone,
        object_id as clevertap_id,
        identity,
        platform,
        JSONExtractString(session_props, 'utm_source') as utm_source,
        -- CleverTap's `Charged` event carries the amount; other events have none.
        if(
            event_name = 'Charged' and JSONHas(event_props, 'Amount'),
            JSONExtractFloat(event_props, 'Amount'),
            null
        ) as amount,
        JSONExtractString(event_props, 'Currency') as currency,
        event_props,
        session_props,
        _loaded_at
    from source
)

select * from renamed
