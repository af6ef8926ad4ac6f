#!/usr/bin/env node
/**
 * `extract <source> [flags]`: the one entry point of every extractor (the image's ENTRYPOINT).
 * Exit codes: 0 ok, 1 runtime failure (Airflow retries), 2 usage or configuration error.
 * Logs are JSON lines on stderr; the last stdout line is a one-line summary.
 */
import { pathToFileURL } from 'node:url';
import {
  clickHouseSettingsFromEnv,
  createClickHouseClient,
  describeClickHouse,
} from './core/clickhouse-client.js';
import { assertClusterDefined } from './core/cluster.js';
import {
  describeError,
  EXIT_OK,
  EXIT_USAGE,
  exitCodeOf,
  RuntimeFailure,
  UsageError,
} from './core/errors.js';
import { parseFlags, parseSourceConfig, sourceHelp } from './core/flags.js';
import { withLocalStack } from './core/local-stack.js';
import { createLogger, type LogLevel } from './core/logger.js';
import { registerSecret } from './core/redact.js';
import { createTables, type RunHooks, runSource, summaryLine } from './core/runner.js';
import { findSource, sources } from './sources.js';

/** Test hook: `EXTRACT_CRASH_AFTER_INSERT=<stream>` kills the process after that stream's first
 *  insert and before its state is saved, like a container killed at the worst moment. */
export const CRASH_ENV = 'EXTRACT_CRASH_AFTER_INSERT';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export function mainHelp(): string {
  const width = Math.max(...sources.map((s) => s.contract.source.length));
  return [
    'extract <source> [flags]   load one source into ClickHouse',
    'extract <source> --help    flags of that source',
    '',
    'Sources:',
    ...sources.map((s) => `  ${s.contract.source.padEnd(width)}  ${s.contract.description}`),
    '',
    'ClickHouse: CLICKHOUSE_URL (+ CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE),',
    'or embedded at CLICKHOUSE_PATH (default .data/clickhouse) when CLICKHOUSE_URL is unset.',
    'With neither set, and for PostgreSQL without PG_URL/PGHOST, a running local stack',
    '(npm run local -- up, .data/local/stack.json) is used.',
    'CLICKHOUSE_CLUSTER (with CLICKHOUSE_URL): make tables ON CLUSTER, replicated and distributed.',
    'Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.',
    '',
  ].join('\n');
}

export async function main(
  argv: readonly string[],
  given: NodeJS.ProcessEnv = process.env,
  io: CliIo = processIo,
): Promise<number> {
  // PG_URL and CLICKHOUSE_* from a running local stack where the environment names none.
  const env = withLocalStack(given);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(mainHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const log = createLogger({ write: io.stderr });
  try {
    const entry = findSource(name);
    if (!entry) {
      throw new UsageError(
        `unknown source "${name}"; available: ${sources.map((s) => s.contract.source).join(', ')}`,
      );
    }
    const { values, origins, help } = parseFlags(entry.contract, rest, env);
    if (help) {
      io.stdout(sourceHelp(entry.contract));
      return EXIT_OK;
    }
    const source = await entry.load();
    for (const secret of source.contract.secrets) registerSecret(env[secret.env]);
    registerSecret(env.CLICKHOUSE_PASSWORD);
    const config = parseSourceConfig(source.contract, source.config, values, origins);
    const runId = (values['run-id'] as string | undefined) ?? `manual__${new Date().toISOString()}`;
    const runLog = createLogger({ level: values['log-level'] as LogLevel, write: io.stderr });
    const settings = clickHouseSettingsFromEnv(env);
    runLog.info(`extract ${source.contract.source} into ${describeClickHouse(settings)}`, {
      source: source.contract.source,
      run_id: runId,
    });
    const clickhouse = await createClickHouseClient(settings);
    try {
      const ping = await clickhouse.ping();
      if (!ping.success) {
        throw new RuntimeFailure(
          `cannot reach ${describeClickHouse(settings)}: ${describeError(ping.error)}`,
        );
      }
      if (settings.cluster) await assertClusterDefined(clickhouse, settings.cluster);
      if (values['init-only'] === true) {
        const tables = await createTables({ source, config, clickhouse, log: runLog });
        const line = `${source.contract.source}: init-only, ${tables.length} tables ready (${tables.join(', ')})`;
        runLog.info(line, { event: 'summary', source: source.contract.source, run_id: runId });
        io.stdout(`${line}\n`);
        return EXIT_OK;
      }
      const own = await source.command?.(config, { clickhouse, log: runLog, env, runId });
      if (own) {
        runLog.info(own.line, {
          event: 'summary',
          source: source.contract.source,
          run_id: runId,
          exit_code: own.exitCode,
          max_rss_kb: process.resourceUsage().maxRSS,
        });
        io.stdout(`${own.line}\n`);
        return own.exitCode;
      }
      const summary = await runSource({
        source,
        config,
        clickhouse,
        runId,
        log: runLog,
        env,
        hooks: crashHooks(env),
      });
      const line = summaryLine(summary);
      runLog.info(line, {
        event: 'summary',
        source: summary.source,
        run_id: runId,
        rows: summary.rows,
        duration_ms: summary.durationMs,
        exit_code: summary.exitCode,
        max_rss_kb: process.resourceUsage().maxRSS,
      });
      io.stdout(`${line}\n`);
      return summary.exitCode;
    } finally {
      await clickhouse.close();
    }
  } catch (error) {
    const code = exitCodeOf(error);
    log.error(describeError(error), { event: 'fatal', exit_code: code, source: name });
    if (code === EXIT_USAGE) io.stderr(`error: ${describeError(error)}\n`);
    return code;
  }
}

function crashHooks(env: NodeJS.ProcessEnv): RunHooks | undefined {
  const target = env[CRASH_ENV];
  if (!target) return undefined;
  return {
    afterInsert: ({ stream }) => {
      if (stream === target) process.kill(process.pid, 'SIGKILL');
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`extract: ${describeError(error)}\n`);
      process.exitCode = 1;
    },
  );
}
