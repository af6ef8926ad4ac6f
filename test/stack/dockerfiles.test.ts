import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCompose, repoRoot } from './stack-files.js';

/** Every Dockerfile compose builds, checked statically: pinned bases, non-root, no secrets. */

interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: Instruction | null = null;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === null && (line === '' || line.startsWith('#'))) return;
    if (pending !== null && line.startsWith('#')) return;
    const body = line.endsWith('\\') ? line.slice(0, -1) : line;
    if (pending === null) {
      const match = /^(\w+)\s*(.*)$/.exec(body);
      if (!match) return;
      pending = { line: index + 1, keyword: (match[1] ?? '').toUpperCase(), args: match[2] ?? '' };
    } else {
      pending.args += ` ${body}`;
    }
    if (!line.endsWith('\\')) {
      instructions.push(pending);
      pending = null;
    }
  });
  return instructions;
}

/** Problems of one Dockerfile, each as `file:line: what`. */
function dockerfileProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  const instructions = parseDockerfile(text);
  const stages = new Set<string>();
  // `ARG NAME=default` before FROM: a base image given as ${NAME} is checked as its default.
  const argDefaults = new Map<string, string>();
  for (const { line, keyword, args } of instructions) {
    const where = `${file}:${line}`;
    if (keyword === 'ARG') {
      const [name, value] = args.split('=', 2);
      if (name && value !== undefined) argDefaults.set(name.trim(), value.trim());
    }
    if (keyword === 'FROM') {
      const [written = '', as, stage] = args.split(/\s+/);
      const image = written.replace(
        /\$\{?(\w+)\}?/g,
        (_, name: string) => argDefaults.get(name) ?? '',
      );
      if (as?.toUpperCase() === 'AS' && stage) stages.add(stage);
      if (stages.has(image) || image === 'scratch') continue;
      // Pinned = a digest, or a tag that starts with a version number (3.1.1-python3.12, 20-slim).
      const tag = image.split('/').pop()?.split(':')[1] ?? '';
      if (!image.includes('@sha256:') && !/^[0-9]/.test(tag)) {
        problems.push(`${where}: base image '${image}' is not pinned to a version`);
      }
    }
    if (
      (keyword === 'ENV' || keyword === 'ARG') &&
      /(PASSWORD|SECRET|TOKEN|API_KEY)\w*\s*=\s*\S/i.test(args)
    ) {
      problems.push(`${where}: ${keyword} sets a secret-looking value`);
    }
    if ((keyword === 'COPY' || keyword === 'ADD') && /(^|\s|\/)\.env(\s|$)/.test(args)) {
      problems.push(`${where}: copies .env into the image`);
    }
  }
  const users = instructions.filter((i) => i.keyword === 'USER');
  const lastUser = users.at(-1)?.args.trim().split(':')[0];
  if (lastUser === undefined || lastUser === 'root' || lastUser === '0') {
    problems.push(`${file}: the final stage must switch to a non-root USER`);
  }
  return problems;
}

const compose = loadCompose();
const builtDockerfiles = [
  ...new Set(
    Object.values(compose.services)
      .filter((service) => service.build)
      .map((service) =>
        path.join(service.build?.context ?? '.', service.build?.dockerfile ?? 'Dockerfile'),
      ),
  ),
].sort();

describe('Dockerfiles', () => {
  it('the checker finds unpinned bases, root users and baked secrets', () => {
    const bad = [
      'ARG BASE=python:latest',
      'FROM $' + '{BASE}',
      'ENV API_TOKEN=abc123',
      'COPY .env /app/.env',
    ].join('\n');
    expect(dockerfileProblems('bad/Dockerfile', bad)).toEqual([
      "bad/Dockerfile:2: base image 'python:latest' is not pinned to a version",
      'bad/Dockerfile:3: ENV sets a secret-looking value',
      'bad/Dockerfile:4: copies .env into the image',
      'bad/Dockerfile: the final stage must switch to a non-root USER',
    ]);
    const good =
      'FROM node:20.19-bookworm-slim AS build\nRUN npm ci \\\n  && npm run build\nFROM build\nUSER node\n';
    expect(dockerfileProblems('good/Dockerfile', good)).toEqual([]);
  });

  it('compose builds the airflow, superset, extractor and dbt images', () => {
    expect(builtDockerfiles).toEqual(
      expect.arrayContaining([
        'airflow/Dockerfile',
        'superset/Dockerfile',
        'extractors/Dockerfile',
        'dbt/Dockerfile',
      ]),
    );
  });

  it.each(builtDockerfiles)('%s: pinned base, non-root user, no secrets', (dockerfile) => {
    const file = path.join(repoRoot, dockerfile);
    expect(fs.existsSync(file), `${dockerfile} is built by compose but does not exist`).toBe(true);
    expect(dockerfileProblems(dockerfile, fs.readFileSync(file, 'utf8'))).toEqual([]);
  });
});

/** `name==version` → its lines (version and hashes) in a pip requirements file with hashes. */
function pinnedEntries(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  const joined = text.replace(/\\\n\s*/g, ' ');
  for (const line of joined.split('\n')) {
    const match = /^([A-Za-z0-9_.-]+)==(\S+)((?:\s+--hash=\S+)*)/.exec(line.trim());
    if (!match) continue;
    const hashes = [...(match[3] ?? '').matchAll(/--hash=(\S+)/g)].map((m) => m[1]).sort();
    entries.set((match[1] ?? '').toLowerCase(), `${match[2]} ${hashes.join(' ')}`);
  }
  return entries;
}

describe('airflow/Dockerfile pins what the DAG compatibility tests run', () => {
  const lock = pinnedEntries(
    fs.readFileSync(path.join(repoRoot, 'python/airflow-3/requirements.lock'), 'utf8'),
  );
  const dockerfile = fs.readFileSync(path.join(repoRoot, 'airflow/Dockerfile'), 'utf8');
  const requirements = pinnedEntries(
    fs.readFileSync(path.join(repoRoot, 'airflow/requirements.txt'), 'utf8'),
  );
  const lockVersion = (name: string) => lock.get(name)?.split(' ')[0];

  it("starts from the official image of the lock's Airflow version and proves it at build time", () => {
    const airflow = lockVersion('apache-airflow');
    expect(airflow).toMatch(/^3\./);
    expect(dockerfile).toMatch(new RegExp(`^FROM apache/airflow:${airflow}-python3\\.12$`, 'm'));
    expect(dockerfile).toContain(`assert v == '${airflow}'`);
  });

  it('installs the Docker provider and its requirements exactly as the lock pins them, hashes included', () => {
    expect(lockVersion('apache-airflow-providers-docker')).toBe('4.6.1');
    expect([...requirements.keys()]).toEqual(
      expect.arrayContaining(['apache-airflow-providers-docker', 'docker']),
    );
    for (const [name, pinned] of requirements) {
      expect(pinned, name).toBe(lock.get(name));
    }
    // Neither Airflow itself nor anything the lock does not hold.
    expect(requirements.has('apache-airflow')).toBe(false);
  });

  it('installs with hashes and no dependency resolution, then checks the environment', () => {
    const run = parseDockerfile(dockerfile).find(
      (i) => i.keyword === 'RUN' && i.args.includes('pip install'),
    );
    expect(run?.args).toMatch(/pip install .*--require-hashes/);
    expect(run?.args).toMatch(/pip install .*--no-deps/);
    expect(run?.args).toMatch(/-r \/requirements\.txt/);
    expect(run?.args).toMatch(/&& pip check/);
  });
});
