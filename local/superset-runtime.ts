/**
 * Real Superset from the locked virtualenv (`.venvs/superset`, python/superset/requirements.lock),
 * shared by `npm run superset` and the tests: the stack's config (superset/bootstrap/
 * superset_config.py) with the metadata in a SQLite file, the bundle zipped by the stack's own
 * builder (superset/bootstrap/build_bundle.py), the stack's bootstrap commands (create-admin,
 * import_assets.py, set-database-uri), and the web server, all run in one Python process by
 * python/superset/steps.py (loading Superset costs ~15–25 s per process on two busy cores).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { ensurePythonTool, lockFile } from '../python/tools.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SUPERSET_BUNDLE_DIR = path.join(repoRoot, 'superset/bundle');
const BUILD_BUNDLE = path.join(repoRoot, 'superset/bootstrap/build_bundle.py');
const CONFIG = path.join(repoRoot, 'superset/bootstrap/superset_config.py');
const STEPS = path.join(repoRoot, 'python/superset/steps.py');
/** Where metadata templates are kept (keyed by the lock; no secrets in them). */
export const SUPERSET_TEMPLATE_CACHE = path.join(repoRoot, '.data/cache/superset');
/** The bundle's database, as named in superset/bundle/databases/. */
export const SUPERSET_DATABASE_NAME = 'ClickHouse analytics';

export type SupersetStep =
  | { name: string; argv: string[] }
  | { name: string; import_assets: string; username: string }
  | { name: string; snapshot: string };

export interface SupersetEnvOptions {
  /** The SQLite metadata database file. */
  metadataDb: string;
  secretKey: string;
  /** Refuse (and report) every non-loopback lookup inside Superset (the tests). */
  loopbackOnly?: boolean;
}

/** The environment every Superset process here runs with. */
export function supersetEnv(options: SupersetEnvOptions): Record<string, string> {
  return {
    SUPERSET_CONFIG_PATH: CONFIG,
    SUPERSET_SECRET_KEY: options.secretKey,
    SUPERSET_METADATA_URI: `sqlite:///${options.metadataDb}?check_same_thread=false`,
    // No telemetry (the config says so too) and nothing buffered in the logs we show.
    SCARF_ANALYTICS: 'false',
    PYTHONUNBUFFERED: '1',
    FLASK_DEBUG: '0',
    ...(options.loopbackOnly ? { ADTECH_LOOPBACK_ONLY: '1' } : {}),
  };
}

/** Zip `bundleDir` into `out` exactly as the stack's superset-init does. */
export async function buildBundleZip(out: string, bundleDir = SUPERSET_BUNDLE_DIR): Promise<void> {
  const superset = await ensurePythonTool('superset');
  await execa(superset.python, [BUILD_BUNDLE, bundleDir, out]);
}

/** clickhousedb://user:password@host:port/database, each part URL-quoted as init.sh does. */
export function clickhouseUri(options: {
  user: string;
  password: string;
  host: string;
  port: number | string;
  database?: string;
}): string {
  const q = encodeURIComponent;
  return `clickhousedb://${q(options.user)}:${q(options.password)}@${options.host}:${options.port}/${options.database ?? 'analytics'}`;
}

/** The stack's init.sh after `db upgrade` and `init`: admin, import, the warehouse URI. */
export function bootstrapSteps(options: {
  adminUser: string;
  adminPassword: string;
  bundleZip: string;
  databaseUri: string;
}): SupersetStep[] {
  return [
    {
      name: 'fab create-admin',
      argv: [
        'fab',
        'create-admin',
        '--username',
        options.adminUser,
        '--password',
        options.adminPassword,
        '--firstname',
        'Admin',
        '--lastname',
        'User',
        '--email',
        'admin@example.invalid',
      ],
    },
    // create-admin leaves an existing user alone: the password from the caller wins, as in init.sh.
    {
      name: 'fab reset-password',
      argv: [
        'fab',
        'reset-password',
        '--username',
        options.adminUser,
        '--password',
        options.adminPassword,
      ],
    },
    // superset/bootstrap/import_assets.py, as init.sh runs it: replaces the bundle's assets.
    { name: 'import assets', import_assets: options.bundleZip, username: options.adminUser },
    {
      name: 'set-database-uri',
      argv: [
        'set-database-uri',
        '--database_name',
        SUPERSET_DATABASE_NAME,
        '--uri',
        options.databaseUri,
      ],
    },
  ];
}

export function serveStep(port: number): SupersetStep {
  return {
    name: 'run',
    argv: ['run', '-h', '127.0.0.1', '-p', String(port), '--with-threads'],
  };
}

export interface StepsRun {
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /** `[superset] <step>: <seconds> s` lines. */
  timings(): string[];
  /** Hosts the loopback guard refused. */
  blocked(): string[];
  process: ResultPromise;
}

/** Start steps.py with `steps`; it exits after the last one unless that one serves. */
export async function startSteps(
  steps: SupersetStep[],
  env: Record<string, string>,
  workDir: string,
  echo?: (line: string) => void,
): Promise<StepsRun> {
  const superset = await ensurePythonTool('superset');
  await mkdir(workDir, { recursive: true });
  const stepsFile = path.join(
    workDir,
    `steps-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`,
  );
  await writeFile(stepsFile, JSON.stringify(steps), { mode: 0o600 });
  const child = execa(superset.python, [STEPS, stepsFile], {
    env: { ...env, PATH: `${path.dirname(superset.python)}:${process.env.PATH ?? ''}` },
    extendEnv: true,
    cwd: workDir,
    all: true,
    reject: false,
    buffer: false,
    cleanup: true,
  });
  let output = '';
  let pending = '';
  child.all?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 4_000_000) output = output.slice(-2_000_000);
    if (echo) {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) echo(line);
    }
  });
  const matches = (re: RegExp) => [...output.matchAll(re)].map((m) => m[1] ?? '');
  return {
    output: () => output,
    timings: () => matches(/^(\[superset\] [^\n]*: [\d.]+ s)$/gm),
    blocked: () => matches(/^\[superset\] network guard: blocked (\S+)$/gm),
    process: child,
  };
}

/** Run steps that end by themselves; throws with the failing step and the log tail. */
export async function runSteps(
  steps: SupersetStep[],
  env: Record<string, string>,
  workDir: string,
  echo?: (line: string) => void,
): Promise<StepsRun> {
  const run = await startSteps(steps, env, workDir, echo);
  const result = await run.process;
  if (result.exitCode !== 0) {
    const failed = /\[superset\] step '([^']+)' failed/.exec(run.output())?.[1] ?? 'start';
    throw new Error(
      `superset step '${failed}' failed (exit ${result.exitCode ?? result.signal}):\n${tail(run.output())}`,
    );
  }
  return run;
}

export function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * A metadata database with `superset db upgrade` and `superset init` done (the slow part: about
 * a minute), built once per lock and config under `cacheDir` and copied to `target`.
 */
export async function migratedMetadata(
  target: string,
  cacheDir: string,
  echo?: (line: string) => void,
): Promise<{ cached: boolean; timings: string[] }> {
  // Keyed on the lock: migrations and the roles `init` creates come with the Superset version.
  const key = createHash('sha256')
    .update(await readFile(lockFile('superset')))
    .digest('hex')
    .slice(0, 16);
  const template = path.join(cacheDir, `metadata-${key}.db`);
  await mkdir(cacheDir, { recursive: true });
  let timings: string[] = [];
  let cached = true;
  try {
    await copyFile(template, target);
  } catch {
    cached = false;
    const building = `${template}.${process.pid}.tmp`;
    await rm(building, { force: true });
    const env = supersetEnv({
      metadataDb: building,
      secretKey: 'metadata-template-has-no-secrets',
      loopbackOnly: true,
    });
    const run = await runSteps(
      [
        { name: 'db upgrade', argv: ['db', 'upgrade'] },
        { name: 'init', argv: ['init'] },
      ],
      env,
      cacheDir,
      echo,
    );
    timings = run.timings();
    await rename(building, template);
    await copyFile(template, target);
  }
  return { cached, timings };
}

/** Wait until Superset answers /health with OK, or the process ends (with its log). */
export async function waitForHealth(
  url: string,
  run: StepsRun,
  timeoutMs = 240_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void run.process.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited)
      throw new Error(`Superset exited before it answered ${url}/health:\n${tail(run.output())}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok && (await response.text()).trim() === 'OK') return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Superset did not answer ${url}/health within ${timeoutMs / 1000} s:\n${tail(run.output())}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Superset's REST API with a JWT from /api/v1/security/login. */
export class SupersetApi {
  private constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  static async login(url: string, username: string, password: string): Promise<SupersetApi> {
    const response = await fetch(`${url}/api/v1/security/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password, provider: 'db', refresh: false }),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string };
    if (!response.ok || !body.access_token) {
      throw new Error(`Superset login as ${username} failed: HTTP ${response.status}`);
    }
    return new SupersetApi(url, body.access_token);
  }

  private csrf: { token: string; cookie: string } | undefined;

  /** Writes other than chart data need flask-wtf's token, bound to the session cookie. */
  private async csrfToken(): Promise<{ token: string; cookie: string }> {
    if (this.csrf) return this.csrf;
    const response = await fetch(`${this.url}/api/v1/security/csrf_token/`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    const body = (await response.json().catch(() => ({}))) as { result?: string };
    if (!response.ok || !body.result)
      throw new Error(`Superset CSRF token: HTTP ${response.status}`);
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    this.csrf = { token: body.result, cookie };
    return this.csrf;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    apiPath: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined && !(body instanceof FormData))
      headers['content-type'] = 'application/json';
    if (method !== 'GET' && apiPath !== '/api/v1/chart/data') {
      const csrf = await this.csrfToken();
      headers['x-csrftoken'] = csrf.token;
      headers.cookie = csrf.cookie;
      headers.referer = this.url;
    }
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body instanceof FormData ? body : JSON.stringify(body);
    const response = await fetch(`${this.url}${apiPath}`, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T };
  }

  async get<T = Record<string, unknown>>(apiPath: string): Promise<T> {
    const { status, body } = await this.request<T>('GET', apiPath);
    if (status !== 200)
      throw new Error(`GET ${apiPath}: HTTP ${status} ${JSON.stringify(body).slice(0, 500)}`);
    return body;
  }
}
