/**
 * The 500 benchmark DAG specs shared by the codegen and DAG-parse benchmarks: an extract fan-out,
 * dbt and a container task each, chained by asset schedules.
 */
export const SPECS = 500;

export function benchSpec(index: number): string {
  const id = `bench_${String(index).padStart(3, '0')}`;
  const upstream = index > 0 ? `bench_${String(index - 1).padStart(3, '0')}` : null;
  return [
    '# yaml-language-server: $schema=./dag-spec.schema.json',
    `dag_id: ${id}`,
    `description: Benchmark DAG ${index} with an extract fan-out, dbt and a container task.`,
    'doc_md: |',
    '  Generated for the codegen benchmark.',
    `tags: [bench, group_${index % 10}]`,
    upstream
      ? `schedule: { assets: ['clickhouse://raw/bench_${index - 1}'] }`
      : "schedule: '*/5 * * * *'",
    'notify_on_failure: true',
    'defaults:',
    '  retries: 3',
    '  retry_delay: 2m',
    '  pool: oltp_postgres',
    'tasks:',
    '  - id: load',
    '    for_each: [a, b, c, d]',
    '    extract:',
    '      source: postgres',
    `      flags: { streams: [impressions, clicks], batch-size: 5000, schema: 'shard_\${item}' }`,
    '      secrets: [PG_URL]',
    '    produces: [clickhouse://raw/postgres_impressions]',
    '  - id: models',
    '    after: [load]',
    `    dbt: { command: build, select: [+campaign_report], vars: { day: "\${since}" } }`,
    '    pool: dbt',
    '  - id: mark',
    '    after: [models]',
    `    produces: ['clickhouse://raw/bench_${index}']`,
    '    container:',
    '      entrypoint: [generate]',
    `      command: [random, --seed, '\${run_id}']`,
    '      secrets: [PG_URL]',
    '',
  ].join('\n');
}
