{#-
  The engine of the project's table and incremental models (`engine=table_engine()`).
  One server (the default): MergeTree().
  A cluster (CLICKHOUSE_CLUSTER set; profiles.yml hands it to dbt-clickhouse as `cluster`, so
  every model is created ON CLUSTER, on every node): a plain MergeTree would exist on every node
  but hold rows only on the node dbt inserted into. ReplicatedMergeTree under one path for the
  whole cluster (`all`, no `{shard}`) makes every node a replica of the model, so the reports are
  complete on whichever node Superset asks; they are small, so a full copy per node is cheap.
  `{uuid}` keeps the path unique per table, as dbt builds a new table and exchanges it with the
  old one on every run; `{replica}` (each server's macro) must be unique across the cluster.
-#}
{% macro table_engine() -%}
    {%- if env_var('CLICKHOUSE_CLUSTER', '') != '' -%}
        ReplicatedMergeTree('/clickhouse/tables/{uuid}/all', '{replica}')
    {%- else -%}
        MergeTree()
    {%- endif -%}
{%- endmacro %}
