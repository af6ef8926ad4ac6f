/**
 * Extractor contracts read statically with ts-morph: the reading equals what importing the module
 * gives (fixtures, spreads of shared consts across files, every real
 * extractors/<source>/contract.ts), what cannot be read is reported with its file, position and
 * property path, and the command the compiler builds for an extract task is one
 * the real extractor CLI's flag parser accepts.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostic, readContracts, renderArg } from '../../codegen/index.js';
import { commonFlags } from '../../extractors/core/common-flags.js';
import type { SourceContract } from '../../extractors/core/contract.js';
import { parseFlags } from '../../extractors/core/flags.js';
import { contractsDir, fixtureProjectText, fixtures, repoRoot } from './helpers.js';

async function importContract(file: string): Promise<SourceContract> {
  const module = (await import(file)) as { contract: SourceContract };
  return module.contract;
}

describe('static reading of contract fixtures', () => {
  const { contracts, diagnostics } = readContracts(contractsDir, repoRoot);

  it('reads every source and the common flags without problems', () => {
    expect(diagnostics).toEqual([]);
    expect([...contracts.sources.keys()]).toEqual(['fakeads', 'warehouse']);
    expect(contracts.sources.get('fakeads')?.file).toBe(
      'test/fixtures/codegen/contracts/fakeads/contract.ts',
    );
  });

  it('equals the imported objects', async () => {
    for (const source of ['fakeads', 'warehouse']) {
      const imported = await importContract(path.join(contractsDir, source, 'contract.ts'));
      expect(contracts.sources.get(source)?.contract).toEqual(imported);
    }
    const common = await import(path.join(contractsDir, 'core/common-flags.ts'));
    expect(contracts.commonFlags).toEqual(common.commonFlags);
  });

  it('reports a contract it cannot read statically at the offending node, in whichever file', () => {
    const broken = readContracts(path.join(fixtures, 'contracts-broken'), repoRoot);
    expect(broken.diagnostics.map(formatDiagnostic)).toEqual([
      "test/fixtures/codegen/contracts-broken/call/contract.ts:7:41: E024 `contract` cannot be read statically by the DAG compiler at flags.since.description: CallExpression `String('computed')` is not a literal",
      // The problem lies in the imported file: reported there, naming the contract read.
      "test/fixtures/codegen/contracts-broken/shared/flags.ts:6:39: E024 `contract` of test/fixtures/codegen/contracts-broken/imported/contract.ts cannot be read statically by the DAG compiler at flags.until.description: CallExpression `['Day after', 'since'].join(' ')` is not a literal",
      'test/fixtures/codegen/contracts-broken/nocontract/contract.ts:1:1: E024 no `export const contract = { ... }` found',
      'test/fixtures/codegen/contracts-broken/spread/contract.ts:7:6: E024 `contract` cannot be read statically by the DAG compiler: `shared` is declared with `let`; only a `const` can be read statically',
      "test/fixtures/codegen/contracts-broken/unresolved/contract.ts:8:15: E024 `contract` cannot be read statically by the DAG compiler at flags: `missingFlags` cannot be resolved: '../shared/flags.js' does not export it, or is not found",
    ]);
    expect(broken.contracts.sources.size).toBe(0);
  });

  it('makes compile fail with the contract problem among the diagnostics', () => {
    const broken = readContracts(path.join(fixtures, 'contracts-broken'), repoRoot);
    const result = compile({
      specs: [
        {
          path: 'specs/x.yaml',
          text: 'dag_id: x\ntasks:\n  - id: t\n    container: { command: [x] }\n',
        },
      ],
      project: { path: 'specs/_project.yaml', text: fixtureProjectText },
      contracts: broken.contracts,
      contractDiagnostics: broken.diagnostics,
    });
    expect(result.files).toEqual([]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E024', 'E024', 'E024', 'E024', 'E024']);
  });
});

describe('contracts that spread and reference shared consts', () => {
  const dir = path.join(fixtures, 'contracts-spread');
  const { contracts, diagnostics } = readContracts(dir, repoRoot);

  it('read statically to exactly the imported object (imports, re-exports, namespaces, overrides)', async () => {
    expect(diagnostics).toEqual([]);
    const imported = await importContract(path.join(dir, 'spready', 'contract.ts'));
    expect(contracts.sources.get('spready')?.contract).toEqual(imported);
    // The override after the spread wins, as at run time; the rest of the flag is kept.
    expect(imported.flags['lookback-days']).toEqual({
      type: 'integer',
      description: 'Days re-read.',
      default: 28,
      minimum: 0,
    });
  });
});

const realContractFiles = readdirSync(path.join(repoRoot, 'extractors'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'core')
  .map((entry) => path.join(repoRoot, 'extractors', entry.name, 'contract.ts'))
  .filter((file) => existsSync(file))
  .sort();

describe('real extractor contracts', () => {
  const real = readContracts(path.join(repoRoot, 'extractors'), repoRoot);

  it('exist (the agreement checks below must not pass vacuously)', () => {
    expect(realContractFiles.length).toBeGreaterThanOrEqual(1);
    expect(real.diagnostics).toEqual([]);
    expect(real.contracts.sources.size).toBe(realContractFiles.length);
    expect(real.contracts.commonFlags).toEqual(commonFlags);
  });

  it.each(realContractFiles.map((file) => [path.relative(repoRoot, file), file]))(
    '%s: the static reading equals the imported contract',
    async (_, file) => {
      const imported = await importContract(file);
      expect(real.contracts.sources.get(imported.source)?.contract).toEqual(imported);
      expect(path.basename(path.dirname(file))).toBe(imported.source);
    },
  );

  it.each(realContractFiles.map((file) => [path.relative(repoRoot, file), file]))(
    '%s: the extract CLI accepts the command the compiler builds',
    async (_, file) => {
      const contract = await importContract(file);
      const windowed = 'since' in contract.flags && 'until' in contract.flags;
      const flags: Record<string, string> = {};
      for (const [name, flag] of Object.entries(contract.flags)) {
        if (windowed && (name === 'since' || name === 'until')) continue;
        if (!flag.required || flag.default !== undefined) continue;
        flags[name] = sampleValue(flag.type, flag.values);
      }
      const secrets = contract.secrets
        .filter((secret) => secret.required)
        .map((secret) => secret.env);
      const project = [
        fixtureProjectText.replace(
          /^secrets:\n/m,
          `secrets:\n${secrets.map((env) => `  ${env}: { variable: v_${env.toLowerCase()} }\n`).join('')}`,
        ),
      ].join('');
      const spec = [
        'dag_id: agreement',
        'tasks:',
        '  - id: t',
        '    extract:',
        `      source: ${JSON.stringify(contract.source)}`,
        `      flags: ${JSON.stringify(flags)}`,
        `      secrets: ${JSON.stringify(secrets)}`,
        '',
      ].join('\n');
      const result = compile({
        specs: [{ path: 'specs/agreement.yaml', text: spec }],
        project: { path: 'specs/_project.yaml', text: project },
        contracts: real.contracts,
      });
      expect(
        result.diagnostics.filter((d) => d.code.startsWith('E')).map(formatDiagnostic),
      ).toEqual([]);
      const task = result.ir?.dags[0]?.tasks[0];
      if (task === undefined) throw new Error('no task compiled');
      const values = {
        windowStart: '2026-03-01',
        windowEnd: '2026-03-02',
        runId: 'scheduled__2026-03-01',
      };
      const argv = task.command.map((arg) => renderArg(arg, values));
      expect(argv[0]).toBe(contract.source);
      const parsed = parseFlags(contract, argv.slice(1), {});
      expect(parsed.values['run-id']).toBe('scheduled__2026-03-01');
      if (windowed) {
        expect(parsed.values.since).toBe('2026-03-01');
        expect(parsed.values.until).toBe('2026-03-02');
      }
    },
  );
});

function sampleValue(type: string, values: readonly string[] | undefined): string {
  switch (type) {
    case 'date':
      return '2026-01-01';
    case 'enum':
      return values?.[0] ?? '';
    case 'integer':
      return '1';
    case 'number':
      return '1.5';
    case 'boolean':
      return 'true';
    default:
      return 'a';
  }
}
