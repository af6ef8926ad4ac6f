/**
 * The Python tools the project drives (dbt today; Airflow and Superset next), each pinned in a
 * committed lock with hashes and installed into its own project-local virtualenv under `.venvs/`.
 *
 * - `python/<tool>/requirements.in` declares the tool (exact versions of what we name);
 * - `python/<tool>/requirements.lock` is generated from it by `npm run python-tools -- lock <tool>`
 *   (uv pip compile --universal --generate-hashes), so every transitive package is pinned;
 * - `ensurePythonTool(tool)` creates `.venvs/<tool>` from the lock with the machine's python3 and
 *   records the lock's hash in it; while the lock and the interpreter are unchanged, later calls
 *   cost one file read.
 *
 * uv installs the tools (it resolves and installs in seconds where pip takes minutes); uv itself is
 * bootstrapped with pip from its own hash-locked file, so nothing but python3 and the package
 * index is needed.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const PYTHON_TOOL_NAMES = ['dbt', 'airflow-2', 'airflow-3', 'ruff', 'superset'] as const;
export type PythonToolName = (typeof PYTHON_TOOL_NAMES)[number];

/** The oldest python3 the locks are resolved for (`--python-version` below). */
const MIN_PYTHON: readonly [number, number] = [3, 10];

/**
 * Tools that need a newer python3 than MIN_PYTHON: their locks are resolved for, and their
 * virtualenvs refuse, anything older. apache-airflow-providers-docker 4.6 requires Python >= 3.11.
 */
const TOOL_MIN_PYTHON: Partial<Record<PythonToolName, readonly [number, number]>> = {
  'airflow-2': [3, 11],
  'airflow-3': [3, 11],
};

function minPythonOf(tool: PythonToolName | '_uv'): readonly [number, number] {
  return (tool === '_uv' ? undefined : TOOL_MIN_PYTHON[tool]) ?? MIN_PYTHON;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const VENVS_DIR = path.join(repoRoot, '.venvs');
const UV_VENV = path.join(VENVS_DIR, '_uv');

export interface PythonTool {
  /** The virtualenv folder. */
  venv: string;
  /** Absolute path of the virtualenv's python. */
  python: string;
  /** Absolute path of an executable the tool installs (`bin('dbt')`). */
  bin(name: string): string;
}

export function lockFile(tool: PythonToolName | '_uv'): string {
  return path.join(repoRoot, 'python', tool === '_uv' ? 'uv' : tool, 'requirements.lock');
}

/** Where a tool's executable is once `ensurePythonTool(tool)` has run. */
export function pythonToolBin(tool: PythonToolName, name: string): string {
  return venvOf(path.join(VENVS_DIR, tool)).bin(name);
}

function venvOf(dir: string): PythonTool {
  return {
    venv: dir,
    python: path.join(dir, 'bin', 'python'),
    bin: (name) => path.join(dir, 'bin', name),
  };
}

/** The interpreter new virtualenvs are made from: `$PYTHON`, else `python3`. */
async function basePython(
  minimum: readonly [number, number] = MIN_PYTHON,
): Promise<{ command: string; version: string }> {
  const command = process.env.PYTHON || 'python3';
  let version: string;
  try {
    const result = await execa(command, [
      '-c',
      'import sys; print("%d.%d.%d" % sys.version_info[:3])',
    ]);
    version = result.stdout.trim();
  } catch {
    throw new Error(
      `python3 (${command}) was not found: the Python tools (dbt) need python3 ${MIN_PYTHON.join('.')}+ with access to the package index`,
    );
  }
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < minimum[0] || (major === minimum[0] && minor < minimum[1])) {
    throw new Error(`${command} is Python ${version}; the Python tools need ${minimum.join('.')}+`);
  }
  return { command, version };
}

const MARKER = '.adtech-lock';

/**
 * How the tools are installed, recorded in the marker so a virtualenv built another way is
 * rebuilt. `--compile-bytecode`: the packages' .pyc files are written at install time. Python
 * otherwise compiles every module it imports on every start when it may not write them
 * (PYTHONDONTWRITEBYTECODE, a read-only image): measured here, `airflow version` took 8.4 s
 * without them and 3.9 s with them, and each test and DAG task starts Airflow, dbt or Superset.
 */
const INSTALL_OPTIONS = ['--compile-bytecode'] as const;

/** What a virtualenv was built from: the lock's bytes, the interpreter version, the options. */
async function fingerprint(lock: string, pythonVersion: string): Promise<string> {
  const hash = createHash('sha256')
    .update(await readFile(lock))
    .digest('hex');
  return `${hash} python ${pythonVersion} ${INSTALL_OPTIONS.join(' ')}\n`;
}

async function isCurrent(dir: string, expected: string): Promise<boolean> {
  try {
    return (await readFile(path.join(dir, MARKER), 'utf8')) === expected;
  } catch {
    return false;
  }
}

/** One installer at a time per virtualenv, across processes (vitest workers, parallel CLIs). */
async function withInstallLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  await mkdir(VENVS_DIR, { recursive: true });
  const lockDir = path.join(VENVS_DIR, `.${name}.installing`);
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) {
        throw new Error(
          `another process has been installing ${name} for 20 minutes (${lockDir}); remove that folder if no install is running`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

function log(message: string): void {
  process.stderr.write(`[python-tools] ${message}\n`);
}

async function ensureUv(python: { command: string; version: string }): Promise<string> {
  const expected = await fingerprint(lockFile('_uv'), python.version);
  const uv = path.join(UV_VENV, 'bin', 'uv');
  if (await isCurrent(UV_VENV, expected)) return uv;
  return withInstallLock('_uv', async () => {
    if (await isCurrent(UV_VENV, expected)) return uv;
    log(`installing uv from ${path.relative(repoRoot, lockFile('_uv'))}`);
    await rm(UV_VENV, { recursive: true, force: true });
    await execa(python.command, ['-m', 'venv', UV_VENV]);
    await execa(
      path.join(UV_VENV, 'bin', 'python'),
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--require-hashes',
        '--no-deps',
        '-r',
        lockFile('_uv'),
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    await writeFile(path.join(UV_VENV, MARKER), expected);
    return uv;
  });
}

/**
 * The tool's virtualenv, created or rebuilt from its lock when the lock or the interpreter
 * changed. Throws with what is missing (python3, the package index) when it cannot install.
 */
export async function ensurePythonTool(tool: PythonToolName): Promise<PythonTool> {
  const dir = path.join(VENVS_DIR, tool);
  const lock = lockFile(tool);
  const python = await basePython(minPythonOf(tool));
  const expected = await fingerprint(lock, python.version);
  if (await isCurrent(dir, expected)) return venvOf(dir);
  const uv = await ensureUv(python);
  return withInstallLock(tool, async () => {
    if (await isCurrent(dir, expected)) return venvOf(dir);
    const started = Date.now();
    log(
      `installing ${tool} into ${path.relative(repoRoot, dir)} from ${path.relative(repoRoot, lock)} …`,
    );
    // Built in place (a virtualenv's scripts carry its absolute path, so it cannot be moved);
    // the marker is written last, so an interrupted install is redone on the next call.
    await rm(dir, { recursive: true, force: true });
    try {
      await execa(uv, ['venv', '--quiet', '--python', python.command, dir]);
      await execa(
        uv,
        [
          'pip',
          'sync',
          '--quiet',
          '--require-hashes',
          ...INSTALL_OPTIONS,
          '--python',
          path.join(dir, 'bin', 'python'),
          lock,
        ],
        { stdio: ['ignore', 'inherit', 'inherit'], env: { UV_LINK_MODE: 'copy' } },
      );
    } catch (error) {
      const reason =
        error instanceof Error
          ? ((error as { shortMessage?: string }).shortMessage ?? error.message)
          : String(error);
      throw new Error(`installing ${tool} from ${path.relative(repoRoot, lock)} failed: ${reason}`);
    }
    await writeFile(path.join(dir, MARKER), expected);
    log(`installed ${tool} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return venvOf(dir);
  });
}

/** Re-resolve a tool's lock from its requirements.in (needs the package index). */
export async function relockPythonTool(tool: PythonToolName | '_uv'): Promise<void> {
  const python = await basePython(minPythonOf(tool));
  const uv = await ensureUv(python);
  const input = lockFile(tool).replace(/requirements\.lock$/, 'requirements.in');
  await execa(
    uv,
    [
      'pip',
      'compile',
      '--quiet',
      '--universal',
      '--python-version',
      minPythonOf(tool).join('.'),
      '--generate-hashes',
      '--custom-compile-command',
      `npm run python-tools -- lock ${tool}`,
      input,
      '-o',
      lockFile(tool),
    ],
    { stdio: 'inherit', cwd: repoRoot },
  );
}

export function isPythonToolName(name: string): name is PythonToolName {
  return (PYTHON_TOOL_NAMES as readonly string[]).includes(name);
}
