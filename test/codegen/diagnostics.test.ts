/**
 * Invalid specs: every fixture in test/fixtures/codegen/invalid/ lists, in `# expect:` comments at
 * its end, the exact diagnostics (line:col CODE message) compiling it must give, nothing more.
 * Plus problems that need more than one file: duplicate dag_ids, asset triggers nobody produces,
 * the project file, and the exit behaviour of the CLI on errors.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostic, readContracts, type SourceText } from '../../codegen/index.js';
import { compileOne, compileSpecs, fixtureProjectText, fixtures, repoRoot } from './helpers.js';

const invalidDir = path.join(fixtures, 'invalid');
const invalidFixtures = readdirSync(invalidDir)
  .filter((name) => name.endsWith('.yaml'))
  .sort();

describe('invalid spec fixtures', () => {
  it('cover at least 25 distinct problems', () => {
    expect(invalidFixtures.length).toBeGreaterThanOrEqual(25);
    const codes = new Set(
      invalidFixtures.flatMap((name) =>
        [
          ...readFileSync(path.join(invalidDir, name), 'utf8').matchAll(
            /^# expect: \d+:\d+ (\w+)/gm,
          ),
        ].map((m) => m[1]),
      ),
    );
    expect(codes.size).toBeGreaterThanOrEqual(25);
  });

  it.each(invalidFixtures)('%s gives exactly its expected diagnostics', (name) => {
    // Bytes as gen-dags reads them, so a fixture that is not UTF-8 is compiled as it is on disk.
    const bytes = readFileSync(path.join(invalidDir, name));
    const text = bytes.toString('utf8');
    const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((match) => match[1]);
    expect(expected.length, 'fixture lists its expected diagnostics').toBeGreaterThan(0);
    const result = compileSpecs([{ path: `invalid/${name}`, text, bytes }]);
    const actual = result.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
    expect(actual).toEqual(expected);
    for (const d of result.diagnostics) expect(d.file).toBe(`invalid/${name}`);
    if (result.diagnostics.some((d) => d.code.startsWith('E'))) {
      expect(result.files).toEqual([]);
      expect(result.ir).toBeNull();
    } else {
      expect(result.files).toHaveLength(1);
    }
  });
});

const minimal = (dagId: string, extra = '') =>
  `dag_id: ${dagId}\n${extra}tasks:\n  - id: hello\n    container: { command: [echo] }\n`;

describe('YAML syntax', () => {
  // Inline, not a fixture file: the repository's formatter cannot parse broken YAML.
  it('E001 at the position the yaml parser reports, for each error', () => {
    const text = 'dag_id: broken\ndescription: first\n  nested: wrong\ntasks: []\n';
    expect(compileOne('broken', text).diagnostics.map(formatDiagnostic)).toEqual([
      'specs/broken.yaml:2:14: E001 YAML syntax: Implicit keys need to be on a single line',
      'specs/broken.yaml:2:14: E001 YAML syntax: Nested mappings are not allowed in compact mappings',
    ]);
  });

  it('E001 for an unclosed flow sequence and for a tab indentation', () => {
    expect(
      compileOne('b', 'dag_id: b\ntasks: [\n').diagnostics.map(
        (d) => `${d.line}:${d.col} ${d.code}`,
      ),
    ).toEqual(['3:1 E001']);
    expect(
      compileOne('b', 'dag_id: b\ntasks:\n\t- id: x\n').diagnostics.map((d) => d.code),
    ).toContain('E001');
  });
});

describe('problems across files', () => {
  it('E006 when two specs share a dag_id, at the second file (by path)', () => {
    const result = compileSpecs([
      { path: 'b/same.yaml', text: minimal('same') },
      { path: 'a/same.yaml', text: minimal('same') },
    ]);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "b/same.yaml:1:9: E006 dag_id 'same' is already used by a/same.yaml",
    ]);
  });

  it('W001 for an asset trigger no spec produces, none when one does', () => {
    const consumer = minimal(
      'consumer',
      "schedule: { assets: ['clickhouse://raw/x', 'clickhouse://raw/y'] }\n",
    );
    const producer =
      'dag_id: producer\ntasks:\n  - id: t\n    container: { command: [echo] }\n    produces: [clickhouse://raw/x]\n';
    const result = compileSpecs([
      { path: 'specs/consumer.yaml', text: consumer },
      { path: 'specs/producer.yaml', text: producer },
    ]);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'specs/consumer.yaml:2:44: W001 no spec produces asset clickhouse://raw/y; this DAG runs only when something else updates it',
    ]);
    // A warning does not stop generation.
    expect(result.files.map((file) => file.name)).toEqual(['consumer.py', 'producer.py']);
  });

  it('no W001 for the assets of a producer that failed to validate: only its own error', () => {
    const consumer = minimal(
      'consumer',
      "schedule: { assets: ['clickhouse://raw/x', 'clickhouse://raw/y', 'clickhouse://raw/z_eu'] }\n",
    );
    const producer = [
      'dag_id: producer',
      'tasks:',
      '  - id: t',
      '    retries: many',
      '    container: { command: [echo] }',
      '    produces: [clickhouse://raw/x]',
      '  - id: fan',
      '    for_each: [eu, us]',
      '    container: { command: [echo] }',
      // A fan-out placeholder: `${item}` in the spec.
      `    produces: ['clickhouse://raw/z_\${item}']`,
      '',
    ].join('\n');
    const result = compileSpecs([
      { path: 'specs/consumer.yaml', text: consumer },
      { path: 'specs/producer.yaml', text: producer },
    ]);
    // raw/x and raw/z_eu are the broken spec's: no warning; nobody declares raw/y.
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'specs/consumer.yaml:2:44: W001 no spec produces asset clickhouse://raw/y; this DAG runs only when something else updates it',
      'specs/producer.yaml:4:14: E003 tasks[0].retries: expected number, got string "many"',
    ]);
  });

  it('no W001 at all when a spec is not even YAML (what it produces is unknown)', () => {
    const consumer = minimal('consumer', "schedule: { assets: ['clickhouse://raw/x'] }\n");
    const result = compileSpecs([
      { path: 'specs/consumer.yaml', text: consumer },
      { path: 'specs/producer.yaml', text: 'dag_id: producer\ntasks: [\n' },
    ]);
    expect(result.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual([
      'specs/producer.yaml E001',
    ]);
  });

  it('collects diagnostics from every file before failing, sorted by file and position', () => {
    const result = compileSpecs([
      { path: 'specs/two.yaml', text: minimal('two', "schedule: '99 * * * *'\n") },
      { path: 'specs/one.yaml', text: minimal('one', 'catchup: maybe\nmax_active_runs: 0\n') },
    ]);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`)).toEqual([
      'specs/one.yaml:2:10 E003',
      'specs/one.yaml:3:18 E003',
      'specs/two.yaml:2:11 E010',
    ]);
  });
});

describe('one file with schema and semantic problems', () => {
  it('reports both: the rest of the file is still checked, without echoing the schema errors', () => {
    const text = [
      'dag_id: mixed',
      'schedul: "@daily"',
      'tasks:',
      '  - id: broken',
      '    retries: many',
      '    container: { command: [x] }',
      '  - id: pull',
      '    after: [broken]',
      '    extract: { source: nosuch }',
      '  - id: last',
      '    after: [pul]',
      '    container: { command: [x] }',
      '',
    ].join('\n');
    expect(
      compileOne('mixed', text).diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`),
    ).toEqual(['2:1 E002', '5:14 E003', '9:24 E013', '11:13 E008']);
  });
});

describe('project file', () => {
  it('E027 when there is none', () => {
    const result = compileOne('x', minimal('x'), null);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      '_project.yaml:1:1: E027 project file _project.yaml not found next to the specs (it names the images, docker network and secrets)',
    ]);
    expect(result.files).toEqual([]);
  });

  it('is validated with located diagnostics', () => {
    const broken = fixtureProjectText
      .replace('network: test-net', 'network: test-net\n  netwrok: other')
      .replace('shared_secrets: [CLICKHOUSE_PASSWORD]', 'shared_secrets: [CLICKHOUSE_PASWORD]');
    const result = compileOne('x', minimal('x'), broken);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "specs/_project.yaml:8:3: E002 unknown key 'netwrok' in docker; allowed: url, network; did you mean 'network'?",
    ]);
    const secretOnly = fixtureProjectText.replace(
      'shared_secrets: [CLICKHOUSE_PASSWORD]',
      'shared_secrets: [CLICKHOUSE_PASWORD]',
    );
    expect(compileOne('x', minimal('x'), secretOnly).diagnostics.map(formatDiagnostic)).toEqual([
      "specs/_project.yaml:11:18: E036 secret CLICKHOUSE_PASWORD is not declared in `secrets`; did you mean 'CLICKHOUSE_PASSWORD'?",
    ]);
  });

  it('with a YAML syntax error reports only that, not schema errors about the unparsed rest', () => {
    const broken = fixtureProjectText.replace('network: test-net', 'network: [test-net');
    const codes = compileOne('x', minimal('x'), broken).diagnostics.map(
      (diagnostic) => diagnostic.code,
    );
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['E001']));
  });

  it('E021 is not raised for a required flag the container gets from the environment or a secret', () => {
    const spec = (secrets: string) =>
      `dag_id: w\ntasks:\n  - id: load\n    extract: { source: warehouse, secrets: [${secrets}] }\n`;
    const codes = (text: string, project = fixtureProjectText) =>
      compileOne('w', text, project).diagnostics.map((diagnostic) => diagnostic.code);
    expect(codes(spec('WAREHOUSE_URL'))).toEqual(['E021']);
    const inEnvironment = fixtureProjectText.replace(
      'environment:\n',
      'environment:\n  WAREHOUSE_SCHEMA: sales\n',
    );
    expect(codes(spec('WAREHOUSE_URL'), inEnvironment)).toEqual([]);
    const asSecret = fixtureProjectText.replace(
      'secrets:\n',
      'secrets:\n  WAREHOUSE_SCHEMA: { variable: warehouse_schema }\n',
    );
    expect(codes(spec('WAREHOUSE_URL, WAREHOUSE_SCHEMA'), asSecret)).toEqual(['W003']);
  });

  it('E023 for an undeclared task_defaults pool and E029 for extra_key without field: extra', () => {
    const project = fixtureProjectText
      .replace('  retries: 2\n', '  retries: 2\n  pool: fakead\n')
      .replace('field: extra, extra_key: app_secret', 'field: password, extra_key: app_secret');
    expect(compileOne('x', minimal('x'), project).diagnostics.map(formatDiagnostic)).toEqual([
      'specs/_project.yaml:15:78: E029 secrets.FAKEADS_APP_SECRET: extra_key needs field: extra',
      "specs/_project.yaml:33:9: E023 pool 'fakead' is not declared in _project.yaml `pools` (declared: default_pool, fakeads, warehouse); did you mean 'fakeads'?",
    ]);
  });

  it('E029 for notify_on_failure: true without a webhook connection in the project', () => {
    const project = fixtureProjectText.replace(
      'failure_webhook_connection: test_failure_webhook\n',
      '',
    );
    const result = compileOne('x', minimal('x', 'notify_on_failure: true\n'), project);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'specs/x.yaml:2:20: E029 notify_on_failure: true needs failure_webhook_connection in _project.yaml (or name one: {connection: <id>})',
    ]);
  });
});

/*
 * Account groups and the secrets a run needs, against the real extractor contracts, the real
 * dag-specs/_project.yaml and accounts files read from the repository (paths in the specs are
 * relative to its root, as in the extractor image). Fixtures in invalid-accounts/ carry their
 * expected diagnostics like those in invalid/; `_`-prefixed files there are accounts files.
 */
const accountsDir = path.join(fixtures, 'invalid-accounts');
const accountsFixtures = readdirSync(accountsDir)
  .filter((name) => name.endsWith('.yaml') && !name.startsWith('_'))
  .sort();
const realContracts = readContracts(path.join(repoRoot, 'extractors'), repoRoot);
const realProjectText = readFileSync(path.join(repoRoot, 'dag-specs/_project.yaml'), 'utf8');
const readFromRepo = (file: string) => {
  const target = path.resolve(repoRoot, file);
  return existsSync(target) ? readFileSync(target) : null;
};

function compileReal(
  specs: readonly SourceText[],
  options: { projectText?: string; readFile?: (file: string) => Uint8Array | string | null } = {},
) {
  return compile({
    specs,
    project: { path: 'dag-specs/_project.yaml', text: options.projectText ?? realProjectText },
    contracts: realContracts.contracts,
    contractDiagnostics: realContracts.diagnostics,
    readFile: options.readFile ?? readFromRepo,
  });
}

describe('secrets a run needs (real contracts and accounts files)', () => {
  it.each(accountsFixtures)('%s gives exactly its expected diagnostics', (name) => {
    const text = readFileSync(path.join(accountsDir, name), 'utf8');
    const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((match) => match[1]);
    expect(expected.length, 'fixture lists its expected diagnostics').toBeGreaterThan(0);
    const result = compileReal([{ path: `invalid-accounts/${name}`, text }]);
    const actual = result.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
    expect(actual).toEqual(expected);
    for (const d of result.diagnostics) expect(d.file).toBe(`invalid-accounts/${name}`);
    expect(result.files).toEqual([]);
  });

  it('the shipped ad-platform specs pass every credential their group names', () => {
    const specsDir = path.join(repoRoot, 'dag-specs');
    const specs = readdirSync(specsDir)
      .filter((name) => name.endsWith('.yaml') && !name.startsWith('_'))
      .map((name) => ({
        path: `dag-specs/${name}`,
        text: readFileSync(path.join(specsDir, name), 'utf8'),
      }));
    const result = compileReal(specs);
    expect(result.diagnostics.filter((d) => d.code.startsWith('E')).map(formatDiagnostic)).toEqual(
      [],
    );
    // Dropping one of them is an error at the task's extract.
    const d2 = specs.find((spec) => spec.path.endsWith('facebook_ads_d2.yaml'));
    if (d2 === undefined) throw new Error('facebook_ads_d2.yaml not found');
    const broken = compileReal([
      { ...d2, text: d2.text.replace('[FACEBOOK_D2_ACCESS_TOKEN]', '[]') },
    ]);
    expect(broken.diagnostics.map((d) => d.code)).toEqual(['E015']);
  });

  it('a credential variable the group names is declared for the source (no W003), whatever its name', () => {
    const accounts =
      'facebook-ads:\n  brand:\n    accounts: [act_1]\n    credentials: { access_token: BRAND_FB_TOKEN }\n';
    const project = realProjectText.replace(
      /^secrets:\n/m,
      'secrets:\n  BRAND_FB_TOKEN: { variable: brand_fb_token }\n',
    );
    const spec = (secrets: string) =>
      [
        'dag_id: brand',
        'tasks:',
        '  - id: extract',
        '    extract:',
        '      source: facebook-ads',
        '      flags: { accounts-file: brand.yaml, group: brand }',
        `      secrets: [${secrets}]`,
        '',
      ].join('\n');
    const readFile = (file: string) => (file === 'brand.yaml' ? accounts : null);
    const compileBrand = (secrets: string) =>
      compileReal([{ path: 'specs/brand.yaml', text: spec(secrets) }], {
        projectText: project,
        readFile,
      }).diagnostics.map(formatDiagnostic);
    expect(compileBrand('BRAND_FB_TOKEN')).toEqual([]);
    // Declared by the contract and named by no other group of this file: accepted.
    expect(compileBrand('BRAND_FB_TOKEN, FACEBOOK_D1_ACCESS_TOKEN')).toEqual([]);
    expect(compileBrand('BRAND_FB_TOKEN, GOOGLE_ADS_CLIENT_ID')).toEqual([
      "specs/brand.yaml:7:33: W003 source 'facebook-ads' does not declare secret GOOGLE_ADS_CLIENT_ID (declares: FACEBOOK_D1_ACCESS_TOKEN, FACEBOOK_D2_ACCESS_TOKEN, BRAND_FB_TOKEN)",
    ]);
  });

  it('the accounts file can come from the project environment (ADS_ACCOUNTS_FILE)', () => {
    const project = realProjectText.replace(
      /^environment:\n/m,
      'environment:\n  ADS_ACCOUNTS_FILE: config/ad-accounts.yaml\n',
    );
    const text =
      'dag_id: env\ntasks:\n  - id: t\n    extract:\n      source: facebook-ads\n      flags: { group: d1 }\n      secrets: [FACEBOOK_D2_ACCESS_TOKEN]\n';
    expect(
      compileReal([{ path: 'specs/env.yaml', text }], { projectText: project }).diagnostics.map(
        (d) => `${d.line}:${d.col} ${d.code}`,
      ),
    ).toEqual(['5:7 E015', '7:17 E030']);
  });

  it('PG_URL is not needed when PGHOST reaches the task instead', () => {
    const project = realProjectText.replace(/^environment:\n/m, 'environment:\n  PGHOST: db\n');
    const text = 'dag_id: pg\ntasks:\n  - id: t\n    extract: { source: postgres }\n';
    expect(
      compileReal([{ path: 'specs/pg.yaml', text }], { projectText: project }).diagnostics,
    ).toEqual([]);
  });

  it('without a file reader (compile called directly) account groups are not checked', () => {
    const text =
      'dag_id: bare\ntasks:\n  - id: t\n    extract:\n      source: facebook-ads\n      flags: { accounts-file: nowhere.yaml, group: zz }\n';
    const result = compile({
      specs: [{ path: 'specs/bare.yaml', text }],
      project: { path: 'dag-specs/_project.yaml', text: realProjectText },
      contracts: realContracts.contracts,
    });
    expect(result.diagnostics).toEqual([]);
  });
});
