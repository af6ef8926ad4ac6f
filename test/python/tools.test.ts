/**
 * The Python tools come from their committed locks: the virtualenv holds exactly the pinned
 * versions with their bytecode compiled, a second ensure costs nothing, and a changed lock
 * rebuilds it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';
import {
  ensurePythonTool,
  lockFile,
  PYTHON_TOOL_NAMES,
  type PythonToolName,
} from '../../python/tools.js';

/**
 * `name==version` pins of a lock, names normalised. A universal lock may pin one package twice
 * under different environment markers (e.g. one version per Python range).
 */
function pins(lock: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const match of readFileSync(lock, 'utf8').matchAll(/^([A-Za-z0-9_.-]+)==([^\s;\\]+)/gm)) {
    const name = match[1]!.toLowerCase().replace(/[_.]/g, '-');
    out.set(name, [...(out.get(name) ?? []), match[2]!]);
  }
  return out;
}

/** The packages each tool is for: they must be installed, at the locked version. */
const NAMED: Record<PythonToolName, string[]> = {
  dbt: ['dbt-core', 'dbt-clickhouse', 'clickhouse-connect'],
  'airflow-2': ['apache-airflow', 'apache-airflow-providers-docker'],
  'airflow-3': ['apache-airflow', 'apache-airflow-core', 'apache-airflow-providers-docker'],
  ruff: ['ruff'],
  superset: ['apache-superset', 'clickhouse-connect'],
};

/** The distribution holding each tool's own code (apache-airflow 3 is a package of packages). */
const CODE_PACKAGE: Record<PythonToolName, string> = {
  dbt: 'dbt-core',
  'airflow-2': 'apache-airflow',
  'airflow-3': 'apache-airflow-core',
  ruff: 'ruff',
  superset: 'apache-superset',
};

describe.each(PYTHON_TOOL_NAMES)('python tool %s', (tool) => {
  it('is installed with its bytecode, so no start compiles it (PYTHONDONTWRITEBYTECODE)', async () => {
    const { python } = await ensurePythonTool(tool);
    // Every .py file of the tool's own distribution has its .pyc where Python looks; no module runs.
    const { stdout } = await execa(python, [
      '-c',
      [
        'import importlib.metadata as m, importlib.util, json, os',
        `d = m.distribution(${JSON.stringify(CODE_PACKAGE[tool])})`,
        "py = [str(d.locate_file(f)) for f in d.files if str(f).endswith('.py')]",
        'print(json.dumps([len(py), [f for f in py if not os.path.exists(importlib.util.cache_from_source(f))]]))',
      ].join('\n'),
    ]);
    const [files, uncompiled] = JSON.parse(stdout) as [number, string[]];
    expect(files).toBeGreaterThan(0);
    expect(uncompiled).toEqual([]);
  });

  it('has every package of its lock, at the locked version, with hashes in the lock', async () => {
    const locked = pins(lockFile(tool));
    // Every package the tool is for is pinned (ruff alone has no dependencies).
    expect([...locked.keys()]).toEqual(expect.arrayContaining(NAMED[tool]));
    expect(readFileSync(lockFile(tool), 'utf8')).toMatch(/--hash=sha256:[0-9a-f]{64}/);
    const { python } = await ensurePythonTool(tool);
    const { stdout } = await execa(python, [
      '-c',
      'import importlib.metadata as m, json; print(json.dumps({d.metadata["Name"]: d.version for d in m.distributions()}))',
    ]);
    const installed = new Map(
      Object.entries(JSON.parse(stdout) as Record<string, string>).map(([name, version]) => [
        name.toLowerCase().replace(/[_.]/g, '-'),
        version,
      ]),
    );
    for (const [name, versions] of locked) {
      // Packages with environment markers for other platforms (e.g. Windows-only) are absent.
      if (!installed.has(name)) continue;
      expect(versions, name).toContain(installed.get(name));
    }
    // Nothing installed that the lock does not name (pip and setuptools come with the venv).
    const extra = [...installed.keys()].filter((name) => !locked.has(name));
    expect(extra.filter((name) => !['pip', 'setuptools', 'wheel'].includes(name))).toEqual([]);
    for (const name of NAMED[tool]) {
      expect(locked.get(name), name).toContain(installed.get(name));
    }
  });

  it('is reused while its lock is unchanged: no install runs, the venv is untouched', async () => {
    const first = await ensurePythonTool(tool);
    const marker = path.join(first.venv, '.adtech-lock');
    const before = statSync(marker).mtimeMs;
    const messages: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      messages.push(String(chunk));
      return true;
    });
    try {
      const again = await ensurePythonTool(tool);
      expect(again.venv).toBe(first.venv);
    } finally {
      spy.mockRestore();
    }
    expect(messages.filter((m) => m.includes('installing'))).toEqual([]);
    expect(statSync(marker).mtimeMs).toBe(before);
    // The marker records the lock it was built from.
    const hash = createHash('sha256')
      .update(readFileSync(lockFile(tool)))
      .digest('hex');
    expect(readFileSync(marker, 'utf8')).toMatch(new RegExp(`^${hash} python 3\\.\\d+\\.\\d+`));
  });
});
