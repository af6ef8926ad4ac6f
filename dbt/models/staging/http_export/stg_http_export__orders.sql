-- Columns are inferred by the extractor and Nullable except the key; a field the backend adds
-- later becomes a new column and does not change this model until it is selected here.
with orders as (
    select * from {{ source('http_export', 'orders') }} final
    where _deleted = 0
),

plans as (
    select * from {{ source('http_export', 'plans') }} final
    where _deleted = 0
)

select
    orders.id as order_id,
    assumeNotNull(orders.plan_code) as plan_code,
    ifNull(plans.name, '') as plan_name,
    plans.data_gb as plan_data_gb,
    orders.amount as amount,
    ifNull(orders.paid, false) as is_paid,
    orders.created_on as created_on,
    orders.updated_at as updated_at,
    JSONExtractString(ifNull(orders.meta, '{}'), 'channel') as order_channel,
    orders._loaded_at as _loaded_at
from orders
left join plans on plans.code = orders.plan_code
