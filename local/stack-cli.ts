/**
 * `npm run local -- up|down|status|env [--data-dir DIR] [--pg-port N] [--clickhouse-port N]`
 *
 * The no-Docker stack (stack.ts) from the command line. Exit codes (cli/run.ts): 0 done (status:
 * both running), 1 failure (status/env: not running), 2 usage error.
 */
import { parseCommandLine, parsePortFlag, wantsHelp } from '../cli/args.js';
import { EXIT_FAILURE, EXIT_OK, isMainModule, runMain, UsageError } from '../cli/run.js';
import { localDataDir } from '../extractors/core/local-stack.js';
import {
  DEFAULT_CLICKHOUSE_PORT,
  DEFAULT_PG_PORT,
  down,
  exportLines,
  loadState,
  maskUrl,
  type ServiceStatus,
  stackPaths,
  status,
  up,
} from './stack.js';

const USAGE = `usage: npm run local -- <command> [--data-dir DIR] [--pg-port N] [--clickhouse-port N]

  up      start embedded PostgreSQL and the ClickHouse HTTP server in the background and wait
          until both answer; a no-op when they already run
  down    stop both (ClickHouse finishes its running query; PostgreSQL fast shutdown)
  status  running or stopped, per service; exit 0 when both run, 1 otherwise
  env     export lines for the shell: eval "$(npm run -s local -- env)"

  --data-dir DIR        data folder (default ADTECH_DATA_DIR or .data): DIR/local/stack.json,
                        DIR/local/postgres, DIR/clickhouse, logs in DIR/local
  --pg-port N           PostgreSQL port (default ADTECH_PG_PORT, the last one used, or ${DEFAULT_PG_PORT})
  --clickhouse-port N   ClickHouse HTTP port (default ADTECH_CLICKHOUSE_PORT, the last one used, or ${DEFAULT_CLICKHOUSE_PORT})

generate, extract, npm run dag and npm run dbt use the running stack by themselves when
PG_URL / CLICKHOUSE_URL are not set (ADTECH_LOCAL_STACK=off turns that off).`;

const say = (text: string) => process.stdout.write(`${text}\n`);
const note = (text: string) => process.stderr.write(`local: ${text}\n`);

function port(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : parsePortFlag(flag, value);
}

function describe(service: ServiceStatus): string {
  const { entry } = service;
  if (!entry) return `${service.label.padEnd(11)} stopped (never started)`;
  const where =
    service.service === 'clickhouse'
      ? `${entry.url} (user ${entry.user}, password ****)`
      : maskUrl(entry.url);
  return `${service.label.padEnd(11)} ${service.running ? `running  pid ${entry.pid}` : 'stopped'}  ${where}`;
}

export async function main(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    say(USAGE);
    return EXIT_OK;
  }
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      'pg-port': { type: 'string' },
      'clickhouse-port': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError('a command is required');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const options = {
    dataDir: values['data-dir'] ?? localDataDir(),
    pgPort: port(values['pg-port'], '--pg-port'),
    clickhousePort: port(values['clickhouse-port'], '--clickhouse-port'),
    say: note,
  };
  // With another data folder, the follow-up commands must name it too.
  const dirFlag = values['data-dir'] === undefined ? '' : ` --data-dir ${values['data-dir']}`;
  switch (command) {
    case 'up': {
      const { started } = await up(options);
      say(
        started.length === 0
          ? `local stack already running (data in ${stackPaths(options.dataDir).dataDir}):`
          : `local stack running (data in ${stackPaths(options.dataDir).dataDir}):`,
      );
      for (const service of status(options)) say(`  ${describe(service)}`);
      say('');
      say('generate, extract, npm run dag and npm run dbt find it by themselves; for other tools:');
      say(`  eval "$(npm run -s local -- env${dirFlag})"   (exports PG_URL and CLICKHOUSE_*)`);
      say(`stop it with: npm run local -- down${dirFlag}`);
      return 0;
    }
    case 'down': {
      const stopped = await down(options);
      say(
        stopped.length === 0
          ? 'local stack: nothing was running'
          : `local stack stopped (${stopped.join(', ')})`,
      );
      return 0;
    }
    case 'status': {
      const services = status(options);
      for (const service of services) say(describe(service));
      return services.every((s) => s.running) ? EXIT_OK : EXIT_FAILURE;
    }
    case 'env': {
      const state = loadState(stackPaths(options.dataDir), note);
      const lines = exportLines(state);
      if (!state.postgres?.pid || !state.clickhouse?.pid) {
        note(
          `the local stack is not (fully) running; start it with: npm run local -- up${dirFlag}`,
        );
        process.stdout.write(lines);
        return 1;
      }
      process.stdout.write(lines);
      return 0;
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

if (isMainModule(import.meta.url)) runMain('local', main, { usage: USAGE });
