{{
    config(
        engine='MergeTree()',
        order_by='(advertiser_id, campaign_id)'
    )
}}

{#- pricing_model: `cpm` charges bid per 1000 impressions, `cpc` charges bid per click. -#}
{%- set pricing_model = var('pricing_model') -%}
{#- Refused while compiling, so a wrong value never reaches the warehouse (no empty report). -#}
{%- if pricing_model not in ['cpm', 'cpc'] -%}
    {{ exceptions.raise_compiler_error("var pricing_model must be cpm or cpc, got: " ~ pricing_model) }}
{%- endif -%}

with campaigns as (
    select * from {{ ref('int_advertiser_campaigns') }}
),

impressions as (
    select
        campaign_id,
        sum(impressions) as impressions,
        min(first_impression_at) as first_impression_at,
        max(last_impression_at) as last_impression_at
    from {{ ref('int_impressions_by_day') }}
    group by campaign_id
),

clicks as (
    select
        campaign_id,
        sum(clicks) as clicks,
        min(first_click_at) as first_click_at,
        max(last_click_at) as last_click_at
    from {{ ref('int_clicks_by_day') }}
    group by campaign_id
),

activity as (
    select
        campaigns.advertiser_id as advertiser_id,
        campaigns.advertiser_name as advertiser_name,
        campaigns.campaign_id as campaign_id,
        campaigns.campaign_name as campaign_name,
        campaigns.bid as bid,
        campaigns.budget as budget,
        campaigns.start_date as start_date,
        campaigns.end_date as end_date,
        toUInt64(coalesce(impressions.impressions, 0)) as impressions,
        toUInt64(coalesce(clicks.clicks, 0)) as clicks,
        impressions.first_impression_at as first_impression_at,
        impressions.last_impression_at as last_impression_at,
        clicks.first_click_at as first_click_at,
        clicks.last_click_at as last_click_at
    from campaigns
    left join impressions on impressions.campaign_id = campaigns.campaign_id
    left join clicks on clicks.campaign_id = campaigns.campaign_id
),

priced as (
    select
        *,
        {% if pricing_model == 'cpm' -%}
        toDecimal128(bid, 6) * impressions / 1000 as spend,
        {%- else -%}
        toDecimal128(bid, 6) * clicks as spend,
        {%- endif %}
        {% if var('as_of_date') -%}
        toDate('{{ var("as_of_date") }}') as status_as_of
        {%- else -%}
        today() as status_as_of
        {%- endif %}
    from activity
),

report as (
    select
        advertiser_id,
        advertiser_name,
        campaign_id,
        campaign_name,
        bid,
        budget,
        start_date,
        end_date,
        impressions,
        clicks,
        -- CTR is undefined without impressions: NULL, never a division by zero.
        if(impressions > 0, clicks / impressions, null) as ctr,
        '{{ pricing_model }}' as pricing_model,
        spend,
        -- Never negative: an overspent campaign has nothing left; utilisation shows by how much.
        if(spend >= budget, toDecimal128(0, 6), budget - spend) as budget_remaining,
        if(budget > 0, toFloat64(spend) / toFloat64(budget), null) as budget_utilisation,
        multiIf(
            first_impression_at is null, first_click_at,
            first_click_at is null, first_impression_at,
            least(first_impression_at, first_click_at)
        ) as first_activity_at,
        multiIf(
            last_impression_at is null, last_click_at,
            last_click_at is null, last_impression_at,
            greatest(last_impression_at, last_click_at)
        ) as last_activity_at,
        -- Budget first: a campaign that ran out of money stopped early, whatever its dates say.
        multiIf(
            spend >= budget, 'budget_exhausted',
            status_as_of < start_date, 'scheduled',
            status_as_of > end_date, 'ended',
            'active'
        ) as status,
        status_as_of
    from priced
)

select * from report
