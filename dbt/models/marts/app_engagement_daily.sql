-- CleverTap engagement per account, day (the account's time zone), event name and currency:
-- events, distinct users, how many of them have a loaded profile, and the `Charged` amounts.
{{ config(
    enabled=var('clevertap_enabled', false),
    engine=table_engine(),
    order_by='(account_id, event_date, event_name, currency)',
    partition_by='toYYYYMM(event_date)'
) }}

with events as (
    select * from {{ ref('stg_clevertap__events') }}
),

profiles as (
    select distinct account_id, clevertap_id, toUInt8(1) as has_profile
    from {{ ref('stg_clevertap__profiles') }}
    where clevertap_id != ''
),

final as (
    select
        events.account_id as account_id,
        events.event_date as event_date,
        events.event_name as event_name,
        events.currency as currency,
        toInt64(count()) as events,
        toInt64(uniqExact(events.clevertap_id)) as users,
        -- Without join_use_nulls an unmatched row reads has_profile = 0.
        toInt64(uniqExactIf(events.clevertap_id, profiles.has_profile = 1)) as users_with_profile,
        toFloat64(sum(coalesce(events.amount, 0))) as revenue
    from events
    left join profiles
        on events.account_id = profiles.account_id
        and events.clevertap_id = profiles.clevertap_id
    group by events.account_id, events.event_date, events.event_name, events.currency
)

select * from final
