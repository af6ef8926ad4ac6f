/**
 * `npm run superset [-- --port N] [--data-dir DIR]`
 *
 * Superset without Docker: the locked virtualenv (.venvs/superset, installed on first use) on
 * http://127.0.0.1:8088 against the local warehouse, with the admin user and the Campaign
 * performance bundle imported exactly as the stack's superset-init does, so a laptop without
 * Docker sees the same dashboard as the stack. Runs in the foreground; Ctrl-C stops it.
 *
 * The warehouse: CLICKHOUSE_URL/USER/PASSWORD when set, else the local stack's ClickHouse server
 * (`npm run local -- up`). Metadata (SQLite), the secret key and a generated admin password live
 * in `<data dir>/superset/` (mode 0600). The admin password is SUPERSET_ADMIN_PASSWORD when set;
 * otherwise one is generated, printed once, and reused by later starts. SUPERSET_ADMIN_USER
 * defaults to admin. Exit codes (cli/run.ts): 0 stopped, 1 failed, 2 usage.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseCommandLine, parsePortFlag, wantsHelp } from '../cli/args.js';
import { EXIT_FAILURE, EXIT_OK, runMain } from '../cli/run.js';
import { localDataDir, withLocalStack } from '../extractors/core/local-stack.js';
import { ensurePythonTool } from '../python/tools.js';
import {
  bootstrapSteps,
  buildBundleZip,
  clickhouseUri,
  migratedMetadata,
  runSteps,
  SUPERSET_TEMPLATE_CACHE,
  serveStep,
  startSteps,
  supersetEnv,
  waitForHealth,
} from './superset-runtime.js';

const USAGE = `usage: npm run superset [-- --port N] [--data-dir DIR]

Starts Superset (from .venvs/superset) on http://127.0.0.1:8088 with the Campaign performance
dashboard, against CLICKHOUSE_URL or the local stack's ClickHouse (npm run local -- up).

  --port N        listen on 127.0.0.1:N (default 8088, or SUPERSET_PORT)
  --data-dir DIR  keep state under DIR/superset (default .data, or ADTECH_DATA_DIR)
  -h, --help      this text

SUPERSET_ADMIN_USER (default admin) and SUPERSET_ADMIN_PASSWORD set the login; without a
password one is generated, printed once and kept in <data dir>/superset/secrets.json (0600).`;

interface Secrets {
  secretKey: string;
  adminPassword?: string;
}

interface SupersetCliOptions {
  port: number;
  dataDir: string;
}

const OPTIONS = {
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseCli(argv: string[], env: NodeJS.ProcessEnv): SupersetCliOptions | 'help' {
  if (wantsHelp(argv)) return 'help';
  const parsed = parseCommandLine({ args: argv, options: OPTIONS, allowPositionals: false });
  // A bad value is named where it came from: the flag, or the environment variable.
  const port =
    parsed.values.port !== undefined
      ? parsePortFlag('--port', parsed.values.port)
      : parsePortFlag('SUPERSET_PORT', env.SUPERSET_PORT || '8088');
  const dataDir = parsed.values['data-dir']
    ? path.resolve(parsed.values['data-dir'])
    : localDataDir(env);
  return { port, dataDir };
}

/** secrets.json under `dir`: created (0600) on first use, kept mode 0600 afterwards. */
function loadSecrets(dir: string, wantPassword: boolean): { secrets: Secrets; generated: boolean } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'secrets.json');
  let secrets: Secrets | undefined;
  try {
    secrets = JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(
        `${file} is unreadable (${(error as Error).message}); remove it to start over`,
      );
    }
  }
  let generated = false;
  const next: Secrets = { secretKey: secrets?.secretKey ?? randomBytes(42).toString('base64url') };
  if (secrets?.adminPassword) next.adminPassword = secrets.adminPassword;
  if (wantPassword && !next.adminPassword) {
    next.adminPassword = randomBytes(18).toString('base64url');
    generated = true;
  }
  if (JSON.stringify(next) !== JSON.stringify(secrets)) {
    fs.writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  }
  fs.chmodSync(file, 0o600);
  return { secrets: next, generated };
}

function log(message: string): void {
  process.stderr.write(`[superset] ${message}\n`);
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const options = parseCli(argv, env);
  if (options === 'help') {
    console.log(USAGE);
    return EXIT_OK;
  }
  const warehouseEnv = withLocalStack(env);
  if (!warehouseEnv.CLICKHOUSE_URL) {
    console.error(
      'superset: no warehouse: start the local stack first (npm run local -- up) or set CLICKHOUSE_URL, CLICKHOUSE_USER and CLICKHOUSE_PASSWORD',
    );
    return EXIT_FAILURE;
  }
  const warehouse = new URL(warehouseEnv.CLICKHOUSE_URL);
  const databaseUri = clickhouseUri({
    user: warehouseEnv.CLICKHOUSE_USER || 'default',
    password: warehouseEnv.CLICKHOUSE_PASSWORD ?? '',
    host: warehouse.hostname,
    port: warehouse.port || (warehouse.protocol === 'https:' ? 443 : 8123),
  });

  const home = path.join(options.dataDir, 'superset');
  const adminUser = env.SUPERSET_ADMIN_USER || 'admin';
  const { secrets, generated } = loadSecrets(home, !env.SUPERSET_ADMIN_PASSWORD);
  const adminPassword = env.SUPERSET_ADMIN_PASSWORD || (secrets.adminPassword as string);

  let started = Date.now();
  await ensurePythonTool('superset');
  log(`virtualenv ready: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const metadataDb = path.join(home, 'superset.db');
  if (!fs.existsSync(metadataDb)) {
    started = Date.now();
    log('first start: creating the metadata database (db upgrade, init; about a minute) …');
    await migratedMetadata(metadataDb, SUPERSET_TEMPLATE_CACHE, (line) =>
      line.startsWith('[superset]') ? log(line.slice(11)) : undefined,
    );
    fs.chmodSync(metadataDb, 0o600);
    log(`metadata database ready: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const processEnv = supersetEnv({ metadataDb, secretKey: secrets.secretKey });
  const zip = path.join(home, 'campaign_performance.zip');
  await buildBundleZip(zip);

  const url = `http://127.0.0.1:${options.port}`;
  started = Date.now();
  const echo = (line: string) => {
    if (line.startsWith('[superset] ')) log(line.slice(11));
  };
  // The web server in its own process, started now so that loading Superset overlaps the
  // bootstrap; it answers /health once both are done.
  const server = await startSteps([serveStep(options.port)], processEnv, home, echo);
  try {
    // Later starts upgrade the schema if the lock moved Superset (a no-op otherwise), then do
    // what the stack's init.sh does after `db upgrade`.
    await runSteps(
      [
        { name: 'db upgrade', argv: ['db', 'upgrade'] },
        ...bootstrapSteps({ adminUser, adminPassword, bundleZip: zip, databaseUri }),
      ],
      processEnv,
      home,
      echo,
    );
  } catch (error) {
    server.process.kill('SIGTERM');
    await server.process;
    throw error;
  }
  log(`admin and dashboard ready: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const stop = () => server.process.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await waitForHealth(url, server);
  log(`serving on ${url}: ${((Date.now() - started) / 1000).toFixed(1)} s after the start`);
  console.log(`Superset is up on ${url} (dashboard: Campaign performance)`);
  console.log(`  user: ${adminUser}`);
  if (generated) {
    console.log(`  password: ${adminPassword}`);
    console.log(
      `  (generated once; kept in ${path.join(home, 'secrets.json')}, set SUPERSET_ADMIN_PASSWORD to choose one)`,
    );
  } else {
    console.log(
      env.SUPERSET_ADMIN_PASSWORD
        ? '  password: from SUPERSET_ADMIN_PASSWORD'
        : `  password: the one printed on the first start (in ${path.join(home, 'secrets.json')})`,
    );
  }
  console.log('Ctrl-C stops it.');
  const result = await server.process;
  return result.signal === 'SIGTERM' || result.signal === 'SIGINT' || result.exitCode === 0 ? 0 : 1;
}

runMain('superset', (argv) => main(argv, process.env), { usage: USAGE });
