/**
 * What every semantic check gets. A check is a small function over one spec (or one task of it,
 * or the whole project) that reports problems through `report`; validate.ts runs them from its
 * dispatch tables. Checks never throw for user errors and never see the file system.
 */
import type { ContractSet } from '../contracts.js';
import type { DiagnosticCode, DiagnosticParams } from '../diagnostics.js';
import type { ExpandedTask } from '../expand.js';
import type { DataPath, ParsedFile } from '../parse.js';
import type { FanOutItem } from '../placeholders.js';
import type { ProjectSpec, Spec, TaskSpec } from '../schema.js';
import type { AccountsReader } from './accounts.js';

export interface SpecContext {
  project: ProjectSpec;
  contracts: ContractSet;
  /** Reads accounts files named by extract flags; without it account groups are not checked. */
  accounts?: AccountsReader;
}

/**
 * Reports a diagnostic at a path of the checked data; `key` points at the mapping key instead of
 * its value (an unknown flag is the key's fault).
 */
export type Report = <Code extends DiagnosticCode>(
  where: DataPath,
  code: Code,
  params: DiagnosticParams<Code>,
  options?: { key?: boolean },
) => void;

export interface SpecCheckInput {
  parsed: ParsedFile;
  /** The spec as checked: after a schema error, what was left once the bad parts were dropped. */
  spec: Spec;
  /** Every task copy after fan-out. */
  expanded: readonly ExpandedTask[];
  /** Ids of tasks the schema rejected, so references to them are not reported again. */
  dropped: ReadonlySet<string>;
  context: SpecContext;
  report: Report;
  /** Line of a path of the checked data in the file (for "first defined at line N"). */
  lineOf: (where: DataPath) => number;
}

export interface TaskCheckInput extends SpecCheckInput {
  task: TaskSpec;
  /** Where the task is: `['tasks', index]`. */
  at: DataPath;
  /** The task's fan-out items; `[null]` without for_each. */
  items: readonly (FanOutItem | null)[];
}

export type SpecCheck = (input: SpecCheckInput) => void;
export type TaskCheck = (input: TaskCheckInput) => void;

export interface ProjectCheckInput {
  project: ProjectSpec;
  report: Report;
}

export type ProjectCheck = (input: ProjectCheckInput) => void;
