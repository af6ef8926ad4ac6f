/**
 * The pure core: spec texts, the project file and the extractor contracts in; generated files and
 * diagnostics out. No file system access, so tests and the local runner call it directly.
 */
import { z } from 'zod';
import { AccountsReader, type ReadFile } from './checks/accounts.js';
import type { ContractSet } from './contracts.js';
import {
  compareText,
  type Diagnostic,
  diagnostic,
  hasErrors,
  sortDiagnostics,
} from './diagnostics.js';
import { emitDag } from './emit.js';
import type { IrDag, IrProject } from './ir.js';
import { lowerDag, lowerPools } from './lower.js';
import { parseYaml } from './parse.js';
import { projectSchema, specSchema } from './schema.js';
import {
  type CheckedSpec,
  crossSpecDiagnostics,
  validateProject,
  validateSpec,
} from './validate.js';

export interface SourceText {
  /** Display path, used in diagnostics and in the generated header. */
  path: string;
  text: string;
  /** The file's bytes as read from disk: when given, `text` is decoded from them (UTF-8 only). */
  bytes?: Uint8Array;
}

export interface CompileInput {
  specs: readonly SourceText[];
  /** dag-specs/_project.yaml; null when it does not exist. */
  project: SourceText | null;
  contracts: ContractSet;
  /** Problems met while reading the contracts, reported with the rest. */
  contractDiagnostics?: readonly Diagnostic[];
  /**
   * Reads files the specs name (the accounts file of ad-platform tasks), by the path as written
   * (relative to the project root). Without it account groups are not checked.
   */
  readFile?: ReadFile;
}

export interface GeneratedFile {
  /** File name inside the output folder. */
  name: string;
  text: string;
}

export interface CompileResult {
  /** Empty when there is any error: a broken spec never half-updates the output. */
  files: GeneratedFile[];
  /** Sorted; warnings included. */
  diagnostics: Diagnostic[];
  /** Null when there is any error. */
  ir: IrProject | null;
}

export const PROJECT_FILE = '_project.yaml';

export function compile(input: CompileInput): CompileResult {
  const diagnostics: Diagnostic[] = [...(input.contractDiagnostics ?? [])];
  const ir = lowerProject(input, diagnostics);
  const sorted = sortDiagnostics(diagnostics);
  if (ir === null || hasErrors(sorted)) return { files: [], diagnostics: sorted, ir: null };
  const files = ir.dags.map((dag) => ({ name: `${dag.dagId}.py`, text: emitDag(dag) }));
  return { files, diagnostics: sorted, ir };
}

function lowerProject(input: CompileInput, diagnostics: Diagnostic[]): IrProject | null {
  if (input.project === null) {
    diagnostics.push(
      diagnostic(
        'E027',
        { file: PROJECT_FILE, line: 1, col: 1 },
        {
          problem: `${PROJECT_FILE} not found next to the specs (it names the images, docker network and secrets)`,
        },
      ),
    );
    return null;
  }
  const projectFile = parseYaml(input.project.path, input.project.text, input.project.bytes);
  diagnostics.push(...projectFile.diagnostics);
  // As with specs: a file that is not valid YAML has no data to check, so the schema would only
  // add "expected object, got nothing" noise after the syntax errors.
  if (projectFile.diagnostics.length > 0) return null;
  const { project, diagnostics: projectDiagnostics } = validateProject(projectFile.parsed);
  diagnostics.push(...projectDiagnostics);
  if (project === null) {
    if (projectDiagnostics.length === 0) {
      diagnostics.push(
        diagnostic(
          'E027',
          { file: input.project.path, line: 1, col: 1 },
          { problem: 'is not usable' },
        ),
      );
    }
    return null;
  }
  const accounts = input.readFile === undefined ? undefined : new AccountsReader(input.readFile);
  const checked: CheckedSpec[] = [];
  // Data of specs that did not pass the schema (undefined: not even YAML), for the checks across
  // specs to tell what those might have produced.
  const failed: unknown[] = [];
  const specs = [...input.specs].sort((a, b) => compareText(a.path, b.path));
  for (const source of specs) {
    const { parsed, diagnostics: yamlDiagnostics } = parseYaml(
      source.path,
      source.text,
      source.bytes,
    );
    diagnostics.push(...yamlDiagnostics);
    if (yamlDiagnostics.length > 0) {
      failed.push(undefined);
      continue;
    }
    const { spec, diagnostics: specDiagnostics } = validateSpec(parsed, {
      project,
      contracts: input.contracts,
      accounts,
    });
    diagnostics.push(...specDiagnostics);
    if (spec !== null) checked.push({ parsed, spec });
    else failed.push(parsed.data);
  }
  diagnostics.push(...crossSpecDiagnostics(checked, failed));
  if (hasErrors(diagnostics)) return null;
  const dags: IrDag[] = checked
    .map(({ parsed, spec }) => lowerDag(parsed, spec, project, input.contracts))
    .sort((a, b) => compareText(a.dagId, b.dagId));
  return {
    dags,
    pools: lowerPools(project),
    images: { extractor: project.images.extractor, dbt: project.images.dbt },
  };
}

/** JSON Schemas for editors, written next to the specs. */
export function schemaFiles(): GeneratedFile[] {
  const render = (schema: z.ZodType, id: string) =>
    `${JSON.stringify({ ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), $id: id }, null, 2)}\n`;
  return [
    { name: 'dag-spec.schema.json', text: render(specSchema, 'dag-spec.schema.json') },
    { name: 'project.schema.json', text: render(projectSchema, 'project.schema.json') },
  ];
}
