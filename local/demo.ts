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
import {
  parseCommandLine,
  parseIntegerFlag,
  parseNumberFlag,
  parsePortFlag,
  wantsHelp,
} from '../cli/args.js';
import { EXIT_OK, isMainModule, runMain } from '../cli/run.js';
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

/** The demo's DAGs in order; `null` when Ctrl-C stopped them (no further DAG or task starts). */
async function runDags(
  env: NodeJS.ProcessEnv,
  stopSignal: AbortSignal,
): Promise<TaskResult[] | null> {
  const results: TaskResult[] = [];
  for (const dagId of DEMO_DAGS) {
    if (stopSignal.aborted) return null;
    const outcome = await dagTest({ dagId, env, stopSignal });
    if (outcome.interrupted) return null;
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
  // Ctrl-C from a terminal reaches the whole process group: the demo, and the running task's
  // processes, which die with it. The demo then starts nothing new, reports that task as
  // interrupted and ends cleanly; a SIGINT to the demo alone lets the current step finish.
  const stopping = new AbortController();
  const stop = () => {
    if (!stopping.signal.aborted) say('demo: stopping (Ctrl-C)');
    stopping.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let stack: Awaited<ReturnType<typeof up>> | undefined;
  try {
    stack = await up({
      dataDir,
      pgPort: options.pgPort,
      clickhousePort: options.clickhousePort,
      say: (text) => say(`demo: ${text}`),
    });
    await demoSteps(stack, options, stopping.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (stack) sayHowToUseTheStack(stack, dataDir);
  }
}

/** Seeds a batch, runs the DAGs, prints the reports; with `watch`, repeats until stopped. */
async function demoSteps(
  stack: Awaited<ReturnType<typeof up>>,
  options: DemoOptions,
  stopSignal: AbortSignal,
): Promise<void> {
  const dataDir = path.resolve(options.dataDir);
  const { postgres, clickhouse } = stack.state;
  if (!postgres || !clickhouse) throw new Error('the local stack did not record both services');
  if (stopSignal.aborted) return;
  // The stack's URLs and credentials, explicitly: the demo runs on the stack it just checked,
  // whatever PG_URL / CLICKHOUSE_URL this shell happens to hold.
  const env: NodeJS.ProcessEnv = { ...process.env, ...stackEnv(stack.state) };
  delete env.CLICKHOUSE_PATH;
  say(
    `demo: local stack ${stack.started.length > 0 ? `started (${stack.started.join(', ')})` : 'already running'}: PostgreSQL ${maskUrl(postgres.url)}; ${describeClickHouse(clickHouseSettingsFromEnv(env))}`,
  );
  say(`generate init: ${await runGenerator(['init'], env)}`);
  // A re-run adds another batch; a seed that moves with the data keeps its names new.
  const before = JSON.parse((await runGenerator(['stats'], env)).replace(/ \(seed \d+\)$/, '')) as {
    advertisers: number;
  };
  const seed = String(options.seed + before.advertisers);
  say(`generate batch: ${await runGenerator(['batch', ...BATCH, '--seed', seed], env)}`);
  if ((await runDags(env, stopSignal)) === null) return;
  let reports = await readReportsOnce(env);
  say('');
  say(formatReports(reports));
  say('');
  say(`demo: HTML report written to ${writeOutputs(dataDir, reports)}`);

  while (options.watch && !stopSignal.aborted) {
    const started = performance.now();
    for (let i = 0; i < 5 && !stopSignal.aborted; i++) {
      say(`generate random: ${await runGenerator(['random'], env)}`);
    }
    const results = await runDags(env, stopSignal);
    if (results === null) break;
    const loaded = rowsLoaded(results);
    const next = await readReportsOnce(env);
    const seconds = (performance.now() - started) / 1000;
    say(
      `watch: ${loaded} rows loaded in ${seconds.toFixed(1)}s (${(loaded / seconds).toFixed(0)} rows/s); ${reportDelta(reports, next)}`,
    );
    reports = next;
    writeOutputs(dataDir, reports);
    const wait = Date.now() + options.intervalSeconds * 1000;
    while (!stopSignal.aborted && Date.now() < wait) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The stack outlives the demo; with another data folder, the commands need to name it. */
function sayHowToUseTheStack(stack: Awaited<ReturnType<typeof up>>, dataDir: string): void {
  const { postgres, clickhouse } = stack.state;
  const dirFlag = dataDir === localDataDir() ? '' : ` --data-dir ${dataDir}`;
  say(
    `demo: done; the local stack keeps running (PostgreSQL on port ${postgres?.port}, ClickHouse on ${clickhouse?.url}).`,
  );
  say(`demo: use it from any client with: eval "$(npm run -s local -- env${dirFlag})"`);
  say(`demo: stop it with: npm run local -- down${dirFlag}`);
}

const USAGE =
  'usage: npm run demo [-- --watch] [--data-dir DIR] [--seed N] [--interval SECONDS] [--pg-port N] [--clickhouse-port N]';

export async function main(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    say(USAGE);
    return EXIT_OK;
  }
  const { values } = parseCommandLine({
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
  const pgPort = values['pg-port'];
  const clickhousePort = values['clickhouse-port'];
  await demo({
    dataDir: values['data-dir'] ?? localDataDir(),
    seed: parseIntegerFlag('--seed', values.seed),
    watch: values.watch,
    intervalSeconds: parseNumberFlag('--interval', values.interval, { min: 0 }),
    pgPort: pgPort === undefined ? undefined : parsePortFlag('--pg-port', pgPort),
    clickhousePort:
      clickhousePort === undefined ? undefined : parsePortFlag('--clickhouse-port', clickhousePort),
  });
  return EXIT_OK;
}

// 0 done (also when Ctrl-C stopped it), 1 a step failed, 2 usage (cli/run.ts).
if (isMainModule(import.meta.url)) runMain('demo', main, { usage: USAGE });
