/**
 * Hostile strings in every kind of spec field reach the generated Python as exact literals: parsed
 * back with Python's `ast`, each value equals the input; the module's structure is the same as for
 * harmless strings (nothing injected); and where a value lands in a DockerOperator templated field,
 * real Airflow 2.11 and 3.x (the locked virtualenvs) render it back to exactly the input.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirflowFolder } from '../airflow/compare.js';
import { loadWithAirflow, RUN, renderedTask } from './airflow-render.js';
import { compileOk, fixtureProjectText, PYTHON, runPython } from './helpers.js';

const HOSTILE = [
  '"',
  "'",
  '\\',
  '"""',
  "'''",
  'a\nb',
  'a\r\nb\r',
  'trailing newline\n',
  '\t tab',
  '{{ 7 * 7 }}',
  '{% raw %}x{% endraw %}',
  '{% endraw %}',
  '{# comment #}',
  '{{',
  '}}',
  '{',
  "{{ '' }}",
  'deploy.sh',
  'RUN.BASH',
  'x.env',
  '#',
  '%',
  '\u2028\u2029',
  '\u0000\u0001\u007f',
  'é ü ß 漢字 😀',
  '"); import os; os.system("echo pwned") #',
  "'; __import__('os').system('id'); '",
  '\\x41\\u0041\\N{BULLET}',
  '\\n',
  '$not_a_placeholder',
];

/** YAML double-quoted scalars accept JSON string syntax. */
const y = (value: string) => JSON.stringify(value);

/** Container tasks only for values without Jinja markers (there Jinja passes through on purpose). */
const withContainer = HOSTILE.map((value) => !/\{\{|\{%|\{#/.test(value));

function hostileSpec(values: readonly string[]): string {
  const lines = [
    'dag_id: hostile',
    `description: ${y(values.join('|'))}`,
    `doc_md: ${y(values.join('\n'))}`,
    `owner: ${y(values[0] ?? '')}`,
    `tags: [${values.map(y).join(', ')}]`,
    'tasks:',
  ];
  values.forEach((value, index) => {
    lines.push(
      `  - id: extract_${index}`,
      `    description: ${y(value)}`,
      '    extract:',
      '      source: fakeads',
      `      flags: { account-group: d1, api-url: ${y(value)}, streams: [${y(value)}, x] }`,
      '      secrets: [FAKEADS_TOKEN]',
      `  - id: dbt_${index}`,
      `    dbt: { command: run, select: [${y(value)}], vars: { key: ${y(value)} } }`,
    );
    if (withContainer[index]) {
      lines.push(
        `  - id: container_${index}`,
        `    container: { command: [${y(value)}], environment: { HOSTILE: ${y(value)} } }`,
      );
    }
  });
  return `${lines.join('\n')}\n`;
}

/** Values and the structure (string constants blanked) of a generated file, from Python's ast. */
const EXTRACT = `
import ast, json, sys
source = open(sys.argv[1], encoding="utf-8").read()
tree = ast.parse(source)
out = {"dag": {}, "tasks": {}}
for node in ast.walk(tree):
    if isinstance(node, ast.With):
        call = node.items[0].context_expr
        out["dag"] = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords
                      if kw.arg in ("dag_id", "description", "doc_md", "tags", "default_args")}
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \\
            and getattr(node.value.func, "id", "") == "AdtechDockerOperator":
        kws = {kw.arg: kw.value for kw in node.value.keywords}
        out["tasks"][ast.literal_eval(kws["task_id"])] = {
            key: ast.literal_eval(value) for key, value in kws.items()
            if key in ("command", "environment", "doc_md", "image")}

class Blank(ast.NodeTransformer):
    def visit_Constant(self, node):
        return ast.Constant("S") if isinstance(node.value, str) else node
out["shape"] = ast.dump(Blank().visit(tree))
json.dump(out, sys.stdout)
`;

let tmp = '';

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'codegen-injection-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function analyse(text: string) {
  const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.py`);
  writeFileSync(file, text);
  const result = await runPython(EXTRACT, [file]);
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe('hostile spec strings', () => {
  const text = compileOk('hostile', hostileSpec(HOSTILE));
  const harmless = compileOk('hostile', hostileSpec(HOSTILE.map((_, index) => `plain${index}`)));

  it('produce a pure-ASCII file in which no spec value ends a literal', () => {
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    expect(text).not.toContain('os.system("echo pwned")\n');
  });

  it.skipIf(!PYTHON)(
    'come back from Python literals exactly, and the module has the same shape as with harmless strings',
    async () => {
      const out = await analyse(text);
      const plain = await analyse(harmless);
      const firstDifference = [...out.shape].findIndex(
        (char, index) => char !== plain.shape[index],
      );
      expect(
        firstDifference,
        `module shape differs at: ${out.shape.slice(firstDifference, firstDifference + 200)}`,
      ).toBe(-1);
      expect(out.shape.length).toBe(plain.shape.length);
      expect(out.dag.description).toBe(HOSTILE.join('|'));
      expect(out.dag.doc_md).toBe(HOSTILE.join('\n'));
      expect(out.dag.default_args).toEqual({ owner: HOSTILE[0] });
      expect(out.dag.tags).toEqual(
        ['adtech', ...HOSTILE].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      );
      HOSTILE.forEach((value, index) => {
        expect(out.tasks[`extract_${index}`].doc_md, `task doc ${index}`).toBe(value);
      });
    },
  );

  it.skipIf(!PYTHON)(
    'in templated fields, are either left as they are or wrapped so Jinja gives them back exactly',
    async () => {
      const out = await analyse(text);
      for (const [index, value] of HOSTILE.entries()) {
        const command: string[] = out.tasks[`extract_${index}`].command;
        const apiUrl = command[command.indexOf('--api-url') + 1];
        const needsWrapping = /[{\r\n]/.test(value) || /\.(sh|bash|env)$/i.test(value);
        if (needsWrapping) expect(apiUrl).toMatch(/^\{\{ '.*' \}\}$/s);
        else expect(apiUrl).toBe(value);
      }
    },
  );

  describe.each(['airflow-2', 'airflow-3'] as const)('on real Airflow (%s)', (tool) => {
    let folder: AirflowFolder;
    beforeAll(async () => {
      const project = fixtureProjectText.replace(
        'CLICKHOUSE_USER: pipeline',
        `CLICKHOUSE_USER: ${y('{{ 7 * 7 }}\r\n{% x %}')}`,
      );
      const small = compileOk(
        'small',
        'dag_id: small\ntasks:\n  - id: t\n    container: { command: [x] }\n',
        project,
      );
      const jinja = compileOk(
        'jinja',
        [
          'dag_id: jinja',
          'tasks:',
          '  - id: t',
          `    container: { command: ['{{ run_id }}', 'at \${since}'], environment: { X: '{{ 6 * 7 }}' } }`,
          '',
        ].join('\n'),
      );
      folder = await loadWithAirflow(tool, {
        'hostile.py': text,
        'small.py': small,
        'jinja.py': jinja,
      });
    }, 300_000);

    it('loads the files with no import error', () => {
      expect(folder.import_errors).toEqual({});
      expect(Object.keys(folder.dags).sort()).toEqual(['hostile', 'jinja', 'small']);
    });

    it('renders hostile strings in templated fields back to exactly the input', () => {
      for (const [index, value] of HOSTILE.entries()) {
        const extract = renderedTask(folder, 'hostile', `extract_${index}`).command;
        expect(extract[extract.indexOf('--api-url') + 1], `flag ${index}`).toBe(value);
        expect(extract[extract.indexOf('--streams') + 1], `list flag ${index}`).toBe(`${value},x`);
        const dbt = renderedTask(folder, 'hostile', `dbt_${index}`).command;
        expect(dbt[dbt.indexOf('--select') + 1], `dbt select ${index}`).toBe(value);
        expect(JSON.parse(dbt[dbt.indexOf('--vars') + 1] ?? ''), `dbt vars ${index}`).toEqual({
          key: value,
        });
        if (withContainer[index]) {
          const container = renderedTask(folder, 'hostile', `container_${index}`);
          expect(container.command, `container command ${index}`).toEqual([value]);
          expect(container.environment.HOSTILE, `container env ${index}`).toBe(value);
        }
      }
    });

    it('escapes the project environment the same way', () => {
      expect(renderedTask(folder, 'small', 't').environment.CLICKHOUSE_USER).toBe(
        '{{ 7 * 7 }}\r\n{% x %}',
      );
    });

    it('passes Jinja in container command and environment through as a template', () => {
      expect(renderedTask(folder, 'jinja', 't')).toMatchObject({
        command: [RUN.run_id, 'at 2026-03-01'],
        environment: { X: '42' },
      });
    });
  });
});
