/**
 * The local stack without Docker: embedded PostgreSQL (the OLTP source) and our ClickHouse HTTP
 * server over the embedded engine (clickhouse-server/), both running in the background with their
 * data under `.data/`, recorded in `.data/local/stack.json` (mode 0600: it holds the generated
 * passwords). `npm run local -- up|down|status|env` (stack-cli.ts) drives it; the CLIs find it
 * through `localStackEnv` (extractors/core/local-stack.ts).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import {
  isAlive,
  type LocalStackState,
  readStackState,
  type ServiceState,
  stackStatePath,
} from '../extractors/core/local-stack.js';
import { main as generate } from '../generator/cli.js';
import {
  ensureDatabase,
  initialisePostgres,
  isInitialised,
  type PgCluster,
  pgCluster,
  postgresPid,
  startPostgres,
  stopPostgres,
} from './oltp-postgres.js';
import { StackError, startClickHouse, stopProcess } from './stack-clickhouse.js';

export { localStackEnv, withLocalStack } from '../extractors/core/local-stack.js';
export { StackError } from './stack-clickhouse.js';

export const DEFAULT_PG_PORT = 5433;
export const DEFAULT_CLICKHOUSE_PORT = 8123;
const PG_USER = 'postgres';
const PG_DATABASE = 'adtech';
/** The compose stack's ClickHouse user, so dashboards and docs read the same. */
const CLICKHOUSE_USER = 'pipeline';

export type Service = 'postgres' | 'clickhouse';
export const SERVICES: readonly Service[] = ['postgres', 'clickhouse'];
const LABEL: Record<Service, string> = { postgres: 'PostgreSQL', clickhouse: 'ClickHouse' };
const PORT_FLAG: Record<Service, string> = {
  postgres: '--pg-port N (or ADTECH_PG_PORT=N)',
  clickhouse: '--clickhouse-port N (or ADTECH_CLICKHOUSE_PORT=N)',
};

export interface StackOptions {
  dataDir: string;
  pgPort?: number;
  clickhousePort?: number;
  say?: (text: string) => void;
}

export interface Paths {
  dataDir: string;
  localDir: string;
  state: string;
  lock: string;
  postgres: PgCluster;
  clickhouseData: string;
  clickhouseLog: string;
}

export function stackPaths(dataDir: string): Paths {
  const resolved = path.resolve(dataDir);
  const localDir = path.join(resolved, 'local');
  return {
    dataDir: resolved,
    localDir,
    state: stackStatePath(resolved),
    lock: path.join(localDir, 'stack.lock'),
    postgres: pgCluster(path.join(localDir, 'postgres')),
    // The embedded engine's default folder: data loaded without the stack stays visible.
    clickhouseData: path.join(resolved, 'clickhouse'),
    clickhouseLog: path.join(localDir, 'clickhouse.log'),
  };
}

/** Writes via a temp file so a reader never sees half a file; 0600 since it holds passwords. */
function writeState(paths: Paths, state: LocalStackState): void {
  const temp = `${paths.state}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, paths.state);
  fs.chmodSync(paths.state, 0o600);
}

/** PostgreSQL's own pid file is the truth for it; ClickHouse has only ours. */
function livePid(paths: Paths, service: Service, state: LocalStackState): number | null {
  const pid = service === 'postgres' ? postgresPid(paths.postgres) : state.clickhouse?.pid;
  return pid !== null && pid !== undefined && isAlive(pid) ? pid : null;
}

/** The state with every pid checked; pids of processes that are gone are cleared, with a note. */
export function loadState(paths: Paths, say: (text: string) => void): LocalStackState {
  const state = readStackState(paths.dataDir) ?? { version: 1 };
  let changed = false;
  for (const service of SERVICES) {
    const entry = state[service];
    if (!entry) continue;
    const pid = livePid(paths, service, state);
    if (entry.pid !== null && pid === null) {
      say(
        `${LABEL[service]}: pid ${entry.pid} in ${paths.state} is gone; clearing the stale entry`,
      );
      entry.pid = null;
      changed = true;
    } else if (pid !== null && entry.pid !== pid) {
      entry.pid = pid;
      changed = true;
    }
  }
  if (changed) writeState(paths, state);
  return state;
}

/** One `up` or `down` at a time per data folder; a lock left by a dead process is taken over. */
async function withLock<T>(paths: Paths, say: (text: string) => void, work: () => Promise<T>) {
  fs.mkdirSync(paths.localDir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(paths.lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const owner = Number(fs.readFileSync(paths.lock, 'utf8'));
      if (isAlive(owner)) {
        throw new StackError(
          `another 'npm run local' (pid ${owner}) is working on ${paths.dataDir}; wait for it to finish`,
        );
      }
      say(`removing a stale lock ${paths.lock} (pid ${owner} is gone)`);
      fs.rmSync(paths.lock, { force: true });
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(paths.lock, { force: true });
  }
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const password = () => randomBytes(18).toString('base64url');

async function upPostgres(
  paths: Paths,
  port: number,
  prior: LocalStackState['postgres'],
  pgPassword: string,
) {
  if (isInitialised(paths.postgres) && !prior?.password) {
    throw new StackError(
      `PostgreSQL data in ${paths.postgres.dataDir} exists but ${paths.state} no longer holds its password; ` +
        `remove ${paths.postgres.folder} to start with an empty database`,
    );
  }
  const credentials = { user: PG_USER, password: pgPassword };
  await initialisePostgres(paths.postgres, credentials);
  const pid = await startPostgres(paths.postgres, port);
  try {
    const server = `postgresql://${PG_USER}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}`;
    await ensureDatabase(server, PG_DATABASE);
    const url = `${server}/${PG_DATABASE}`;
    // Ready means a real session answers, not just that the postmaster accepts connections.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('SELECT 1').finally(() => client.end());
    // The generator's `init` is idempotent: it creates the OLTP tables when they are missing.
    let output = '';
    const collect = (text: string) => {
      output += text;
    };
    const code = await generate(['init'], { ...process.env, PG_URL: url }, collect, collect);
    if (code !== 0) throw new StackError(`generate init failed: ${output}`);
    return { pid, port, url, ...credentials, database: PG_DATABASE };
  } catch (error) {
    // Not recorded yet: stop it rather than leave a server nobody knows about.
    await stopPostgres(paths.postgres).catch(() => undefined);
    throw error;
  }
}

export interface UpResult {
  state: LocalStackState;
  /** The services this call started (empty: everything was already running). */
  started: Service[];
}

/** The flag, else the environment, else the port used last time, else the default. */
function choosePort(option: number | undefined, envName: string, recorded?: number, byDefault = 0) {
  const fromEnv = process.env[envName];
  const port = option ?? (fromEnv ? Number(fromEnv) : (recorded ?? byDefault));
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StackError(`${envName} must be a port number (1-65535), got '${fromEnv}'`);
  }
  return port;
}

/** Starts what is not running yet, waits until both answer and the OLTP schema exists. */
export async function up(options: StackOptions): Promise<UpResult> {
  const say = options.say ?? (() => {});
  const paths = stackPaths(options.dataDir);
  return withLock(paths, say, async () => {
    const state = loadState(paths, say);
    const ports: Record<Service, number> = {
      postgres: choosePort(options.pgPort, 'ADTECH_PG_PORT', state.postgres?.port, DEFAULT_PG_PORT),
      clickhouse: choosePort(
        options.clickhousePort,
        'ADTECH_CLICKHOUSE_PORT',
        state.clickhouse?.port,
        DEFAULT_CLICKHOUSE_PORT,
      ),
    };
    const toStart = SERVICES.filter((service) => state[service]?.pid == null);
    for (const service of toStart) {
      if (!(await portFree(ports[service]))) {
        throw new StackError(
          `port ${ports[service]} for ${LABEL[service]} is in use on 127.0.0.1; choose another with ${PORT_FLAG[service]}`,
        );
      }
    }
    fs.mkdirSync(paths.localDir, { recursive: true });
    // As root PostgreSQL runs as `postgres`, which must pass through this folder.
    fs.chmodSync(paths.localDir, 0o755);
    for (const service of toStart) say(`${LABEL[service]}: starting on port ${ports[service]}`);
    // Known before either starts: ClickHouse's named collection reads the OLTP database too.
    const pgPassword = state.postgres?.password ?? password();
    const [postgres, clickhouse] = await Promise.allSettled([
      toStart.includes('postgres')
        ? upPostgres(paths, ports.postgres, state.postgres, pgPassword)
        : null,
      toStart.includes('clickhouse')
        ? startClickHouse({
            port: ports.clickhouse,
            user: state.clickhouse?.user ?? CLICKHOUSE_USER,
            password: state.clickhouse?.password ?? password(),
            dataDir: paths.clickhouseData,
            logFile: paths.clickhouseLog,
            oltp: {
              port: ports.postgres,
              database: PG_DATABASE,
              user: PG_USER,
              password: pgPassword,
            },
          })
        : null,
    ]);
    // Record whatever did start, so `down` can stop it even when the other failed.
    if (postgres.status === 'fulfilled' && postgres.value) state.postgres = postgres.value;
    if (clickhouse.status === 'fulfilled' && clickhouse.value) state.clickhouse = clickhouse.value;
    writeState(paths, state);
    const failed = [postgres, clickhouse].find((outcome) => outcome.status === 'rejected');
    if (failed?.status === 'rejected') {
      const reason = failed.reason as Error;
      const running = SERVICES.filter((service) => state[service]?.pid != null);
      const note =
        running.length > 0
          ? `\n(${running.map((s) => LABEL[s]).join(' and ')} did start and keeps running; npm run local -- down stops it)`
          : '';
      throw new StackError(`${reason.message}${note}`);
    }
    return { state, started: toStart };
  });
}

/** Stops whatever runs; the state keeps ports and passwords for the next `up`. */
export async function down(options: StackOptions): Promise<Service[]> {
  const say = options.say ?? (() => {});
  const paths = stackPaths(options.dataDir);
  if (!fs.existsSync(paths.state)) return [];
  return withLock(paths, say, async () => {
    const state = loadState(paths, say);
    const stopped: Service[] = [];
    const clickhouse = state.clickhouse;
    if (clickhouse?.pid != null) {
      if (!(await stopProcess(clickhouse.pid))) {
        say(`ClickHouse: pid ${clickhouse.pid} ignored SIGTERM for 30 s; killed`);
      }
      clickhouse.pid = null;
      stopped.push('clickhouse');
    }
    const postgres = state.postgres;
    if (postgres?.pid != null) {
      await stopPostgres(paths.postgres);
      postgres.pid = null;
      stopped.push('postgres');
    }
    writeState(paths, state);
    return stopped;
  });
}

export interface ServiceStatus {
  service: Service;
  label: string;
  running: boolean;
  entry: ServiceState | undefined;
}

export function status(options: StackOptions): ServiceStatus[] {
  const paths = stackPaths(options.dataDir);
  const state = loadState(paths, options.say ?? (() => {}));
  return SERVICES.map((service) => ({
    service,
    label: LABEL[service],
    running: state[service]?.pid != null,
    entry: state[service],
  }));
}

/** A URL fit for a terminal: the password replaced by asterisks. */
export function maskUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '****';
  return parsed.toString();
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** Process environment for tools pointed at the stack (the demo's tasks, `env`). */
export function stackEnv(state: LocalStackState): Record<string, string> {
  const env: Record<string, string> = {};
  if (state.postgres?.pid != null) env.PG_URL = state.postgres.url;
  if (state.clickhouse?.pid != null) {
    env.CLICKHOUSE_URL = state.clickhouse.url;
    env.CLICKHOUSE_USER = state.clickhouse.user;
    env.CLICKHOUSE_PASSWORD = state.clickhouse.password;
  }
  return env;
}

/** `export NAME='value'` lines for `eval "$(npm run -s local -- env)"`. */
export function exportLines(state: LocalStackState): string {
  return Object.entries(stackEnv(state))
    .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
    .join('');
}
