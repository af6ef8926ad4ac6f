/**
 * `target: kubernetes` on real Airflow 2.11 and 3.x with the real cncf-kubernetes provider (issue
 * 15): the shipped specs, copied to a scratch folder with the one-line switch, and the Kubernetes
 * golden files load with no import error and serialize; for every task the provider builds its
 * pod request object without a cluster (kubernetes_pods.py), the pod validates against the
 * Kubernetes OpenAPI schema (kubernetes-validate, strict, two Kubernetes versions) and holds what
 * the compiler's IR says: image, command, arguments, environment, Secret references, resources,
 * namespace, service account. Known secret values are set as Airflow Variables (and one
 * Connection) for the run: neither they nor any 5-character piece of them is in a pod or a file.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Arg,
  compile,
  compileFolder,
  type IrDag,
  type IrProject,
  readContracts,
  renderArg,
  windowFor,
} from '../../codegen/index.js';
import { ensurePythonTool } from '../../python/tools.js';
import {
  compileKubernetesGolden,
  KUBERNETES_GOLDEN_EXPECTED,
  KUBERNETES_GOLDEN_PROJECT,
} from '../codegen/kubernetes-golden.js';
import { RUN } from './compare.js';
import { airflowTestEnv } from './inspect.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The newest schemas kubernetes-validate bundles, and an older minor still widely run. */
const KUBERNETES_VERSIONS = ['1.37.0', '1.31.0'];

interface PodReport {
  error?: string;
  task_type: string;
  kubernetes_conn_id: string;
  secret_env: Record<string, [string, string, string | null, string | null]>;
  // The Kubernetes client's JSON form of a V1Pod (camelCase keys, as sent to the API server).
  pod: {
    metadata: { namespace: string; labels: Record<string, string> };
    spec: {
      serviceAccountName?: string;
      nodeSelector?: Record<string, string>;
      tolerations?: unknown[];
      imagePullSecrets?: { name: string }[];
      containers: {
        name: string;
        image: string;
        command: string[];
        args: string[];
        env: {
          name: string;
          value?: string;
          valueFrom?: { secretKeyRef?: { name: string; key: string } };
        }[];
        envFrom: { secretRef?: { name: string } }[];
        resources: { requests?: Record<string, string>; limits?: Record<string, string> };
        imagePullPolicy?: string;
      }[];
    };
  };
  validation_errors: Record<string, string>;
}

interface FolderReport {
  folder: string;
  import_errors: Record<string, string>;
  warnings: string[];
  serialization_errors: Record<string, string>;
  dags: Record<string, Record<string, PodReport>>;
}

interface Report {
  airflow_version: string;
  canary_errors: Record<string, string>;
  folders: FolderReport[];
}

/**
 * A secret value the run can read: random consonants in strictly alternating case ('QxZkWv…'), so
 * that no 5-character piece of one turns up by chance in a pod, a file or a log line.
 */
function secretValue(): string {
  const consonants = 'BCDFGHJKMNPQRSTVWXZ';
  let out = '';
  for (let i = 0; i < 28; i += 1) {
    const letter = consonants[Math.floor(Math.random() * consonants.length)] ?? 'Q';
    out += i % 2 === 0 ? letter : letter.toLowerCase();
  }
  return out;
}

/** Strings that would break a Python literal or change under Jinja if not escaped (injection.test.ts). */
const HOSTILE = [
  '"',
  "'''",
  '\\',
  'a\r\nb\n',
  '{{ 7 * 7 }}',
  '{% raw %}x{% endraw %}',
  '{# c #}',
  'deploy.sh',
  '\u2028 é 漢字 😀',
  '"); import os; os.system("echo pwned") #',
];
const y = (value: string) => JSON.stringify(value);

/** A spec for the golden Kubernetes project whose values land in every templated pod field. */
function hostileSpec(): string {
  const lines = ['dag_id: hostile', 'tasks:'];
  HOSTILE.forEach((value, index) => {
    lines.push(
      `  - id: extract_${index}`,
      `    extract: { source: fakeads, flags: { account-group: d1, api-url: ${y(value)} }, secrets: [FAKEADS_TOKEN] }`,
      `  - id: dbt_${index}`,
      `    dbt: { command: run, select: [${y(value)}] }`,
    );
    // Container command and environment pass {{ }} to Airflow as Jinja on purpose.
    if (!/\{\{|\{%|\{#/.test(value))
      lines.push(
        `  - id: container_${index}`,
        `    container: { entrypoint: [${y(value)}], command: [${y(value)}], environment: { HOSTILE: ${y(value)} } }`,
      );
  });
  return `${lines.join('\n')}\n`;
}

function fragments(value: string, size = 5): string[] {
  return Array.from({ length: value.length - size + 1 }, (_, i) => value.slice(i, i + size));
}

describe.each([
  ['airflow-2', /^2\.11\./],
  ['airflow-3', /^3\./],
] as const)('target: kubernetes on %s', (tool, version) => {
  let tmp = '';
  let report: Report;
  let shipped: IrProject;
  let golden: IrProject;
  const secrets: string[] = [];
  const files: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), `k8s-pods-${tool}-`));
    const specsDir = path.join(tmp, 'dag-specs');
    cpSync(path.join(repoRoot, 'dag-specs'), specsDir, { recursive: true });
    const projectFile = path.join(specsDir, '_project.yaml');
    const project = readFileSync(projectFile, 'utf8');
    const switched = project.replace(/^target: docker$/m, 'target: kubernetes');
    if (switched === project)
      throw new Error('dag-specs/_project.yaml has no `target: docker` line');
    writeFileSync(projectFile, switched);

    const result = compileFolder({
      specsDir,
      contractsDir: path.join(repoRoot, 'extractors'),
      displayBase: repoRoot,
      root: repoRoot,
    });
    if (result.ir === null)
      throw new Error(`does not compile: ${JSON.stringify(result.diagnostics)}`);
    shipped = result.ir;
    const dagsDir = path.join(tmp, 'dags');
    mkdirSync(dagsDir);
    for (const file of result.files) {
      writeFileSync(path.join(dagsDir, file.name), file.text);
      files.push(file.text);
    }
    const hostile = compile({
      specs: [{ path: 'hostile.yaml', text: hostileSpec() }],
      project: { path: '_project.yaml', text: KUBERNETES_GOLDEN_PROJECT },
      contracts: readContracts(path.join(repoRoot, 'test/fixtures/codegen/contracts'), repoRoot)
        .contracts,
    });
    const hostileFile = hostile.files[0];
    if (hostileFile === undefined)
      throw new Error(`hostile spec: ${JSON.stringify(hostile.diagnostics)}`);
    const hostileDir = path.join(tmp, 'hostile');
    mkdirSync(hostileDir);
    writeFileSync(path.join(hostileDir, hostileFile.name), hostileFile.text);
    const goldenResult = compileKubernetesGolden();
    if (goldenResult.ir === null) throw new Error('the Kubernetes goldens do not compile');
    golden = goldenResult.ir;
    files.push(...goldenResult.files.map((file) => file.text));

    // Every Airflow Variable the shipped and golden projects name, and the golden Connections.
    const env: Record<string, string> = {};
    const variables = new Set<string>();
    for (const dag of [...shipped.dags, ...golden.dags])
      for (const task of dag.tasks)
        for (const secret of task.secrets)
          if (secret.source.kind === 'variable') variables.add(secret.source.key);
    for (const key of variables) {
      const value = secretValue();
      secrets.push(value);
      env[`AIRFLOW_VAR_${key.toUpperCase()}`] = value;
    }
    const [token, appSecret, password] = [secretValue(), secretValue(), secretValue()];
    secrets.push(token, appSecret, password);
    env.AIRFLOW_CONN_FAKEADS_API = JSON.stringify({
      conn_type: 'http',
      password: token,
      extra: { app_secret: appSecret },
    });
    env.AIRFLOW_CONN_WAREHOUSE_DB = JSON.stringify({
      conn_type: 'postgres',
      host: 'db',
      login: 'u',
      password,
      schema: 'shop',
    });

    const airflow = await ensurePythonTool(tool);
    const home = path.join(tmp, 'home');
    mkdirSync(path.join(home, 'dags'), { recursive: true });
    const out = path.join(tmp, 'pods.json');
    const run = await execa(
      airflow.python,
      [
        path.join(repoRoot, 'test/airflow/kubernetes_pods.py'),
        out,
        JSON.stringify(RUN),
        JSON.stringify(KUBERNETES_VERSIONS),
        dagsDir,
        KUBERNETES_GOLDEN_EXPECTED,
        hostileDir,
      ],
      { reject: false, cwd: tmp, env: { ...airflowTestEnv(home), ...env } },
    );
    if (run.exitCode !== 0)
      throw new Error(`kubernetes_pods.py failed:\n${`${run.stdout}\n${run.stderr}`.slice(-4000)}`);
    report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    // The whole output, logs included, for the secret check.
    files.push(run.stdout, run.stderr);
  }, 300_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('is the locked Airflow, and the schema check can fail', () => {
    expect(report.airflow_version).toMatch(version);
    for (const kubernetes of KUBERNETES_VERSIONS)
      expect(report.canary_errors[kubernetes], kubernetes).toMatch(/bogusField/);
  });

  it('loads every generated file with no import error, and serializes every DAG', () => {
    expect(report.folders).toHaveLength(3);
    for (const [index, folder] of report.folders.entries()) {
      expect(folder.import_errors, folder.folder).toEqual({});
      expect(folder.serialization_errors, folder.folder).toEqual({});
      const ir = [shipped, golden][index];
      const expected = ir === undefined ? ['hostile'] : ir.dags.map((dag) => dag.dagId);
      expect(Object.keys(folder.dags).sort()).toEqual(expected);
    }
    expect(shipped.dags.length).toBeGreaterThanOrEqual(13);
  });

  it('builds a pod for every task that validates against the Kubernetes OpenAPI schema', () => {
    let pods = 0;
    for (const [index, ir] of [shipped, golden].entries()) {
      const folder = report.folders[index];
      for (const dag of ir.dags) {
        for (const task of dag.tasks) {
          const built = folder?.dags[dag.dagId]?.[task.taskId];
          const where = `${dag.dagId}/${task.taskId}`;
          expect(built?.error, where).toBeUndefined();
          if (dag.target !== 'kubernetes') {
            expect(built?.task_type, where).toBe('AdtechDockerOperator');
            continue;
          }
          expect(built?.task_type, where).toBe('AdtechKubernetesPodOperator');
          expect(built?.validation_errors, where).toEqual({});
          pods += 1;
        }
      }
    }
    expect(pods).toBeGreaterThanOrEqual(20);
  });

  it('puts into each pod what the IR says', () => {
    for (const [index, ir] of [shipped, golden].entries()) {
      for (const dag of ir.dags.filter((candidate) => candidate.target === 'kubernetes')) {
        for (const task of dag.tasks) {
          const built = report.folders[index]?.dags[dag.dagId]?.[task.taskId];
          if (built === undefined) throw new Error(`no pod for ${dag.dagId}/${task.taskId}`);
          expectPodOf(dag, task.taskId, built);
        }
      }
    }
  });

  it('renders hostile spec strings into the pod exactly, in every templated field', () => {
    const hostile = report.folders[2];
    expect(hostile?.import_errors).toEqual({});
    const container = (taskId: string) => {
      const built = hostile?.dags.hostile?.[taskId];
      expect(built?.validation_errors, taskId).toEqual({});
      const first = built?.pod.spec.containers[0];
      if (first === undefined) throw new Error(`no pod for ${taskId}: ${built?.error}`);
      return first;
    };
    for (const [index, value] of HOSTILE.entries()) {
      const extract = container(`extract_${index}`).args;
      expect(extract[extract.indexOf('--api-url') + 1], `flag ${index}`).toBe(value);
      const dbt = container(`dbt_${index}`).args;
      expect(dbt[dbt.indexOf('--select') + 1], `dbt select ${index}`).toBe(value);
      if (/\{\{|\{%|\{#/.test(value)) continue;
      const generic = container(`container_${index}`);
      expect(generic.command, `entrypoint ${index}`).toEqual([value]);
      expect(generic.args, `command ${index}`).toEqual([value]);
      expect(generic.env.find((variable) => variable.name === 'HOSTILE')?.value).toBe(value);
    }
  });

  it('holds no secret value, nor any 5-character piece of one, in a pod, a file or the logs', () => {
    const everything = [JSON.stringify(report), ...files].join('\n');
    expect(secrets.length).toBeGreaterThan(10);
    for (const value of secrets) {
      expect(everything.includes(value)).toBe(false);
      const leaked = fragments(value).filter((piece) => everything.includes(piece));
      expect(leaked, 'pieces of a secret value').toEqual([]);
    }
  });
});

function expectPodOf(dag: IrDag, taskId: string, built: PodReport): void {
  const task = dag.tasks.find((candidate) => candidate.taskId === taskId);
  const settings = dag.kubernetes;
  if (task === undefined || settings === null) throw new Error(`${dag.dagId}/${taskId}`);
  const where = `${dag.dagId}/${taskId}`;
  const window = windowFor({
    dataIntervalStart: new Date(RUN.data_interval_start),
    dataIntervalEnd: new Date(RUN.data_interval_end),
    runAfter: new Date(RUN.data_interval_end),
    timezone: dag.timezone,
  });
  const values = { windowStart: window.since, windowEnd: window.until, runId: RUN.run_id };
  // Raw Jinja from a spec renders in Airflow only: its rendered text is checked to be non-empty.
  const rendered = (arg: Arg) =>
    typeof arg === 'object' && 'jinja' in arg ? expect.any(String) : renderArg(arg, values);
  const { pod } = built;
  expect(built.kubernetes_conn_id, where).toBe(settings.connection ?? 'kubernetes_default');
  expect(pod.metadata.namespace, where).toBe(settings.namespace);
  expect(pod.metadata.labels, where).toMatchObject({
    ...settings.labels,
    'adtech-pipeline/task-kind': task.kind,
    dag_id: dag.dagId,
    task_id: taskId,
  });
  expect(pod.spec.serviceAccountName, where).toBe(settings.serviceAccount ?? undefined);
  expect(pod.spec.nodeSelector ?? {}, where).toEqual(settings.nodeSelector);
  expect(pod.spec.tolerations ?? [], where).toHaveLength(settings.tolerations.length);
  expect((pod.spec.imagePullSecrets ?? []).map((secret) => secret.name)).toEqual(
    settings.imagePullSecrets,
  );
  expect(pod.spec.containers, where).toHaveLength(1);
  const [container] = pod.spec.containers;
  if (container === undefined) throw new Error(where);
  expect(container.image, where).toBe(task.image);
  expect(container.imagePullPolicy, where).toBe(settings.imagePullPolicy ?? undefined);
  expect(container.command, where).toEqual(task.entrypoint ?? []);
  expect(container.args, where).toEqual(task.command.map(rendered));
  expect(container.resources, where).toEqual({
    ...(Object.keys(settings.resources[task.kind].requests).length > 0
      ? { requests: settings.resources[task.kind].requests }
      : {}),
    ...(Object.keys(settings.resources[task.kind].limits).length > 0
      ? { limits: settings.resources[task.kind].limits }
      : {}),
  });
  // Plain environment, then one secretKeyRef per Kubernetes-Secret secret; nothing else.
  const plain = Object.fromEntries(
    Object.entries(task.environment).map(([name, arg]) => [name, rendered(arg)]),
  );
  const refs = task.secrets.filter((secret) => secret.env in settings.secretRefs);
  expect(
    container.env.filter((variable) => variable.valueFrom === undefined),
    where,
  ).toEqual(Object.entries(plain).map(([name, value]) => ({ name, value })));
  expect(
    container.env.filter((variable) => variable.valueFrom !== undefined),
    where,
  ).toEqual(
    refs.map((secret) => ({
      name: secret.env,
      valueFrom: {
        secretKeyRef: {
          name: settings.secretRefs[secret.env]?.secret,
          key: settings.secretRefs[secret.env]?.key,
        },
      },
    })),
  );
  expect(container.envFrom.map((source) => source.secretRef?.name)).toEqual(
    settings.envFromSecrets,
  );
  // The rest are read from Airflow when the task starts: named in secret_env, not in the pod.
  const fromAirflow = task.secrets.filter((secret) => !(secret.env in settings.secretRefs));
  expect(Object.keys(built.secret_env).sort(), where).toEqual(fromAirflow.map((s) => s.env));
  for (const secret of fromAirflow)
    expect(
      container.env.some((variable) => variable.name === secret.env),
      where,
    ).toBe(false);
}
