/**
 * `npm run clickhouse -- [flags]`: serves ClickHouse's HTTP interface over the embedded engine
 * until SIGTERM/SIGINT, which let the running queries finish before exiting 0. Exit codes
 * (cli/run.ts): 0 done, 1 could not start, 2 bad usage. `--help` prints and does nothing else.
 */
import path from 'node:path';
import { parseCommandLine, parseNumberFlag, wantsHelp } from '../cli/args.js';
import { EXIT_FAILURE, EXIT_OK, errorLine, exitCodeOf, isMainModule } from '../cli/run.js';
import { startClickHouseServer } from './server.js';

const HELP = `Usage: npm run clickhouse -- [options]

Serves ClickHouse's HTTP interface (for clickhouse-connect, @clickhouse/client, curl) over the
embedded engine (chdb), which owns the data folder.

Options:
  --path <dir>          data folder (env CLICKHOUSE_PATH, default .data/clickhouse)
  --host <addr>         address to listen on (default 127.0.0.1)
  --port <n>            port, 0 for any free one (default 8123)
  --user <name>         user clients must give (env CLICKHOUSE_USER, default "default")
  --password <secret>   their password (env CLICKHOUSE_PASSWORD, default empty)
  --concurrency <n>     engine calls at once (default 2)
  --max-queued <n>      requests waiting before error 202 (default 64)
  --queue-timeout <s>   longest wait for the engine, seconds (default 60)
  --query-timeout <s>   max_execution_time of every query, seconds, 0 = none (default 3600)
  --max-body <MiB>      largest request body (default 1024)
  --session-timeout <s> idle seconds before a session closes (default 60)
  --config-file <file>  ClickHouse server configuration for the engine, e.g. named collections
                        (env CLICKHOUSE_CONFIG_FILE)
  --help                this text
`;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function positiveNumber(name: string, text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : parseNumberFlag(`--${name}`, text, { min: 0 });
}

/** Starts the server; resolves with the exit code once it has stopped (or failed to start). */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = processIo,
): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  let options: Parameters<typeof startClickHouseServer>[0];
  try {
    const flags = parse(argv);
    options = {
      path: path.resolve(flags.path ?? env.CLICKHOUSE_PATH ?? '.data/clickhouse'),
      host: flags.host ?? '127.0.0.1',
      port: positiveNumber('port', flags.port, 8123),
      user: flags.user ?? env.CLICKHOUSE_USER ?? 'default',
      password: flags.password ?? env.CLICKHOUSE_PASSWORD ?? '',
      concurrency: Math.max(1, positiveNumber('concurrency', flags.concurrency, 2)),
      maxQueued: positiveNumber('max-queued', flags['max-queued'], 64),
      queueTimeoutMs: positiveNumber('queue-timeout', flags['queue-timeout'], 60) * 1000,
      queryTimeoutSeconds: positiveNumber('query-timeout', flags['query-timeout'], 3600),
      maxBodyBytes: positiveNumber('max-body', flags['max-body'], 1024) * 1024 * 1024,
      sessionTimeoutSeconds: positiveNumber('session-timeout', flags['session-timeout'], 60),
      configFile: flags['config-file'] ?? (env.CLICKHOUSE_CONFIG_FILE || undefined),
      log: io.stderr,
    };
  } catch (error) {
    io.stderr(`${errorLine('clickhouse', error)}\n\n${HELP}`);
    return exitCodeOf(error);
  }
  let server: Awaited<ReturnType<typeof startClickHouseServer>>;
  try {
    server = await startClickHouseServer(options);
  } catch (error) {
    io.stderr(
      `${errorLine('clickhouse', `cannot start the HTTP server: ${(error as Error).message}`)}\n`,
    );
    return EXIT_FAILURE;
  }
  io.stdout(`ClickHouse HTTP on ${server.url} (data: ${options.path})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await server.close();
  return EXIT_OK;
}

function parse(argv: readonly string[]) {
  const { values } = parseCommandLine({
    args: [...argv],
    allowPositionals: false,
    options: {
      path: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      concurrency: { type: 'string' },
      'max-queued': { type: 'string' },
      'queue-timeout': { type: 'string' },
      'query-timeout': { type: 'string' },
      'max-body': { type: 'string' },
      'session-timeout': { type: 'string' },
      'config-file': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  return values;
}

if (isMainModule(import.meta.url)) {
  // Explicit exit: chdb's native threads would otherwise keep the process alive.
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
