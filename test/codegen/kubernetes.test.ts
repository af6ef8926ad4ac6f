/**
 * The Kubernetes task target in the compiler: golden files (the golden specs compiled with
 * test/fixtures/codegen/golden-kubernetes/_project.yaml, regenerate deliberately with
 * UPDATE_GOLDEN=1), the shipped project's one-line switch, and the located diagnostics of the
 * `kubernetes:` settings (fixtures in invalid-kubernetes/: a project file whose `# expect:` lines
 * are the exact diagnostics). Real Airflow loading these files and building their pods:
 * test/airflow/kubernetes-pods.test.ts.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compile, compileFolder, readContracts, schemaFiles } from '../../codegen/index.js';
import { quantityValue, resourceQuantityProblem } from '../../codegen/k8s-grammar.js';
import { compileOne, fixtures, repoRoot } from './helpers.js';
import {
  compileKubernetesGolden,
  KUBERNETES_GOLDEN_EXPECTED,
  KUBERNETES_GOLDEN_PROJECT,
  source,
  specFiles,
} from './kubernetes-golden.js';

const expectedDir = KUBERNETES_GOLDEN_EXPECTED;

describe('golden DAG files for target: kubernetes', () => {
  const result = compileKubernetesGolden();

  it('compile without errors or warnings', () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.ir?.dags.map((dag) => [dag.dagId, dag.target])).toEqual([
      ['ads_daily', 'kubernetes'],
      ['docker_override', 'docker'],
      ['kubernetes_kinds', 'kubernetes'],
      ['manual_once', 'kubernetes'],
      ['once', 'kubernetes'],
      ['orders_report', 'kubernetes'],
      ['warehouse_sync', 'kubernetes'],
    ]);
  });

  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(expectedDir, { recursive: true });
    for (const file of result.files) writeFileSync(path.join(expectedDir, file.name), file.text);
  }

  it('equal the committed expected files, with no expected file left over', () => {
    expect(readdirSync(expectedDir).sort()).toEqual(result.files.map((file) => file.name).sort());
    for (const file of result.files) {
      expect(file.text, file.name).toBe(readFileSync(path.join(expectedDir, file.name), 'utf8'));
    }
  });

  it('use KubernetesPodOperator tasks, except where a spec keeps docker', () => {
    for (const file of result.files) {
      const docker = file.name === 'docker_override.py';
      expect(file.text.includes('AdtechDockerOperator('), file.name).toBe(docker);
      expect(file.text.includes('AdtechKubernetesPodOperator('), file.name).toBe(!docker);
      expect(file.text.includes('from kubernetes.client import models as k8s'), file.name).toBe(
        !docker,
      );
    }
  });

  it('read Kubernetes-Secret secrets by reference and the rest from Airflow, by name only', () => {
    const ads = result.files.find((file) => file.name === 'ads_daily.py')?.text ?? '';
    expect(ads).toContain(
      'Secret("env", "CLICKHOUSE_PASSWORD", "clickhouse-credentials", "password"),',
    );
    expect(ads).toContain('Secret("env", None, "etl-common-env"),');
    const kinds = result.files.find((file) => file.name === 'kubernetes_kinds.py')?.text ?? '';
    expect(kinds).toContain('"WAREHOUSE_URL": ("connection", "warehouse_db", "uri", None),');
    expect(kinds).toContain(
      '"FAKEADS_APP_SECRET": ("connection", "fakeads_api", "extra", "app_secret"),',
    );
    // A secret read from a Kubernetes Secret is not read from Airflow too.
    expect(ads).not.toMatch(/"CLICKHOUSE_PASSWORD": \(/);
  });

  it('give each task kind its resources: given, or the built-in defaults', () => {
    const kinds = result.ir?.dags.find((dag) => dag.dagId === 'kubernetes_kinds');
    expect(kinds?.kubernetes?.resources).toEqual({
      extract: {
        requests: { cpu: '500m', memory: '768Mi' },
        limits: { cpu: '2', memory: '1.5Gi' },
      },
      // Only limits given: the default requests stay.
      dbt: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '768Mi' } },
      container: { requests: { cpu: '250m', memory: '640Mi' }, limits: { memory: '1Gi' } },
    });
  });
});

describe('the shipped project', () => {
  const specsDir = path.join(repoRoot, 'dag-specs');
  const projectText = readFileSync(path.join(specsDir, '_project.yaml'), 'utf8');

  it('says target: docker, and switching is one line', () => {
    expect(projectText).toMatch(/^target: docker$/m);
    const docker = compileFolder({
      specsDir,
      contractsDir: path.join(repoRoot, 'extractors'),
      displayBase: repoRoot,
    });
    expect(docker.ir?.dags.every((dag) => dag.target === 'docker' && dag.kubernetes === null)).toBe(
      true,
    );
    const switched = compile({
      specs: specFiles(specsDir).map(source),
      project: {
        path: 'dag-specs/_project.yaml',
        text: projectText.replace(/^target: docker$/m, 'target: kubernetes'),
      },
      contracts: readContracts(path.join(repoRoot, 'extractors'), repoRoot).contracts,
    });
    expect(switched.diagnostics.filter((d) => d.code.startsWith('E'))).toEqual([]);
    expect(switched.files.length).toBe(docker.files.length);
    expect(switched.ir?.dags.every((dag) => dag.target === 'kubernetes')).toBe(true);
  });
});

describe('the generated project.schema.json (editors)', () => {
  const schema = JSON.parse(
    schemaFiles().find((file) => file.name === 'project.schema.json')?.text ?? '{}',
  );
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
  const shipped = parse(readFileSync(path.join(repoRoot, 'dag-specs/_project.yaml'), 'utf8'));

  it('accepts the shipped and the golden Kubernetes project files', () => {
    expect(validate(shipped), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(parse(KUBERNETES_GOLDEN_PROJECT)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['namespace', { namespace: 'Bad_NS' }],
    ['quantity', { namespace: 'etl', resources: { dbt: { limits: { memory: '1GB' } } } }],
    ['unknown key', { namespace: 'etl', nodeSelector: {} }],
  ])('flags a bad %s as the compiler does', (_, kubernetes) => {
    expect(validate({ ...shipped, kubernetes })).toBe(false);
    expect(validate({ ...shipped, target: 'k8s' })).toBe(false);
  });
});

describe('Kubernetes quantities', () => {
  it.each([
    ['250m', 0.25],
    ['1', 1],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1Gi', 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1G', 1e9],
    ['1E', 1e18],
    ['1e3', 1000],
    ['12E-1', 1.2],
    ['+1k', 1000],
  ])('%s is %d', (text, value) => {
    expect(quantityValue(text)).toBeCloseTo(value, 6);
    expect(resourceQuantityProblem(text)).toBeNull();
  });

  it.each(['', '1 Gi', '1gi', '1GB', 'Gi', '1.2.3', 'ten', '1Mi ', '0x10', '1e'])(
    "'%s' is not a quantity",
    (text) => {
      expect(quantityValue(text)).toBeNull();
      expect(resourceQuantityProblem(text)).toMatch(/is not a Kubernetes quantity/);
    },
  );

  it('a negative request or limit is refused', () => {
    expect(resourceQuantityProblem('-1Gi')).toBe("'-1Gi' is negative");
  });
});

const invalidDir = path.join(fixtures, 'invalid-kubernetes');
const spec = 'dag_id: k\ntasks:\n  - id: hello\n    container: { command: [echo] }\n';

describe('invalid Kubernetes settings', () => {
  const names = readdirSync(invalidDir)
    .filter((name) => name.endsWith('.yaml'))
    .sort();

  it('cover every Kubernetes diagnostic', () => {
    const codes = new Set(
      names.flatMap((name) =>
        [
          ...readFileSync(path.join(invalidDir, name), 'utf8').matchAll(
            /^# expect: \S+:\d+:\d+ (\w+)/gm,
          ),
        ].map((match) => match[1]),
      ),
    );
    for (const code of ['E036', 'E037', 'E038', 'E039', 'E040', 'E041'])
      expect(codes.has(code), code).toBe(true);
  });

  it.each(names)('%s gives exactly its expected diagnostics, and no file', (name) => {
    const text = readFileSync(path.join(invalidDir, name), 'utf8');
    const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((match) => match[1]);
    expect(expected.length, 'fixture lists its expected diagnostics').toBeGreaterThan(0);
    // A fixture is a project file, or a spec (`dag_id: ...`) checked against the golden project.
    const isSpec = text.startsWith('dag_id:');
    const result = isSpec
      ? compileOne(name.replace(/\.yaml$/, ''), text)
      : compileOne('k', spec, text);
    const actual = result.diagnostics.map(
      (d) => `${path.basename(d.file)}:${d.line}:${d.col} ${d.code} ${d.message}`,
    );
    expect(actual).toEqual(expected);
    expect(result.files).toEqual([]);
    expect(result.ir).toBeNull();
  });
});
