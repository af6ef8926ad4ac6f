/**
 * Account groups at compile time. An ad-platform task runs `extract <source> --accounts-file F
 * --group G`; at run time the extractor reads group G of F and the credentials from the
 * environment variables the group names. The compiler reads F too (through the `readFile` the
 * caller gives; nothing here touches the file system) so that a task that does not pass a
 * credential its group names (E015), passes another group's credential (E030), or names a file
 * or group that is not there (E031) fails at compile time, located in the spec.
 */
import { parse as parseYamlText } from 'yaml';
import type { AccountGroupContract } from '../../extractors/core/contract.js';
import { didYouMean } from '../diagnostics.js';
import { type DataPath, isRecord } from '../parse.js';
import { type FanOutItem, placeholderProblem, placeholdersIn, toArg } from '../placeholders.js';
import type { TaskSpec } from '../schema.js';
import type { Report } from './types.js';

/**
 * Reads a file named in a spec (relative paths from the project root, as the extractor image's
 * WORKDIR sees them). Null when it does not exist.
 */
export type ReadFile = (file: string) => Uint8Array | string | null;

type AccountsFile =
  | { groups: Record<string, Record<string, unknown>>; problem?: undefined }
  | { problem: string };

/** Parses each accounts file once per compile. */
export class AccountsReader {
  private readonly cache = new Map<string, AccountsFile | null>();

  constructor(private readonly readFile: ReadFile) {}

  /** Null when the file cannot be seen from here (an absolute path into the image). */
  load(file: string): AccountsFile | null {
    const cached = this.cache.get(file);
    if (cached !== undefined) return cached;
    const loaded = this.read(file);
    this.cache.set(file, loaded);
    return loaded;
  }

  private read(file: string): AccountsFile | null {
    let content: Uint8Array | string | null;
    try {
      content = this.readFile(file);
    } catch (error) {
      return { problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    if (content === null) {
      // An absolute path may name the file inside the extractor image: nothing to check here.
      if (file.startsWith('/')) return null;
      return { problem: 'does not exist (relative paths start at the project root)' };
    }
    let text: string;
    try {
      text =
        typeof content === 'string'
          ? content
          : new TextDecoder('utf-8', { fatal: true }).decode(content);
    } catch {
      return { problem: 'is not UTF-8 text' };
    }
    let document: unknown;
    try {
      document = parseYamlText(text, { maxAliasCount: 100 });
    } catch (error) {
      return { problem: `is not valid YAML: ${(error as Error).message.split('\n')[0]}` };
    }
    if (!isRecord(document)) return { problem: 'is not a map of sources to account groups' };
    const groups: Record<string, Record<string, unknown>> = {};
    for (const [section, value] of Object.entries(document))
      if (isRecord(value)) groups[section] = value;
    return { groups };
  }
}

export interface AccountGroupCheck {
  /** Credential variables of the task's group(s): declared for the W003 check. */
  groupSecrets: Set<string>;
  /** Secrets already reported as another group's (E030): no W003 for them. */
  foreignSecrets: Set<string>;
}

/**
 * Checks an extract task of a source with account groups against its accounts file: for each
 * fan-out copy, the group must exist, name every credential, and the task must pass each one and
 * no other group's.
 */
export function checkAccountGroups(options: {
  task: TaskSpec;
  items: readonly (FanOutItem | null)[];
  at: DataPath;
  accountGroups: AccountGroupContract;
  /** Flag env variables of the two flags, for values set through the project environment. */
  flagEnv: { file?: string; group?: string };
  environment: Readonly<Record<string, string>>;
  /** What the task container gets as secrets (its own and the shared ones). */
  secrets: ReadonlySet<string>;
  source: string;
  reader: AccountsReader;
  report: Report;
}): AccountGroupCheck {
  const { task, items, at, accountGroups, environment, secrets, source, reader, report } = options;
  const result: AccountGroupCheck = { groupSecrets: new Set(), foreignSecrets: new Set() };
  const extract = task.extract;
  if (extract === undefined) return result;
  const given = extract.flags ?? {};
  const flagAt = (name: string): DataPath =>
    name in given ? [...at, 'extract', 'flags', name] : [...at, 'extract'];
  const flagValue = (name: string, env: string | undefined): string | undefined => {
    const value = given[name];
    if (typeof value === 'string') return value;
    if (value !== undefined) return undefined;
    return env === undefined ? undefined : environment[env];
  };
  const fileValue = flagValue(accountGroups.fileFlag, options.flagEnv.file);
  const groupValue = flagValue(accountGroups.groupFlag, options.flagEnv.group);
  if (fileValue === undefined || groupValue === undefined) return result;

  const seen = new Set<string>();
  for (const item of items) {
    const file = compileTimeValue(fileValue, item);
    const group = compileTimeValue(groupValue, item);
    if (file === null || group === null || seen.has(`${file}\n${group}`)) continue;
    seen.add(`${file}\n${group}`);
    const loaded = reader.load(file);
    if (loaded === null) continue;
    if (loaded.problem !== undefined) {
      report(flagAt(accountGroups.fileFlag), 'E031', {
        subject: `accounts file ${file}`,
        problem: loaded.problem,
      });
      continue;
    }
    const groups = loaded.groups[accountGroups.section];
    if (groups === undefined) {
      report(flagAt(accountGroups.fileFlag), 'E031', {
        subject: `accounts file ${file}`,
        problem: `has no \`${accountGroups.section}\` section (source '${source}')`,
      });
      continue;
    }
    const entry = groups[group];
    if (entry === undefined) {
      const known = Object.keys(groups);
      report(flagAt(accountGroups.groupFlag), 'E031', {
        subject: `accounts file ${file}`,
        problem: `has no group '${group}' under \`${accountGroups.section}\` (groups: ${known.join(', ') || 'none'})${didYouMean(group, known)}`,
      });
      continue;
    }
    const credentials =
      isRecord(entry) && isRecord(entry.credentials) ? entry.credentials : undefined;
    const own = new Set<string>();
    for (const credential of accountGroups.credentials) {
      const env = credentials?.[credential.name];
      if (typeof env !== 'string' || env === '') {
        report(flagAt(accountGroups.groupFlag), 'E031', {
          subject: `group ${accountGroups.section}.${group} in ${file}`,
          problem: `names no variable for credential ${credential.name} (${credential.description})`,
        });
        continue;
      }
      own.add(env);
      result.groupSecrets.add(env);
      if (!secrets.has(env)) {
        report([...at, 'extract'], 'E015', {
          copy: copyOf(task, item),
          source,
          needs: `group ${group} needs`,
          env,
          why: `its ${credential.name} in ${file}`,
          alternative: '',
        });
      }
    }
    for (const [index, env] of (extract.secrets ?? []).entries()) {
      if (own.has(env)) continue;
      const owners = ownersOf(loaded.groups, env).filter(
        (owner) => owner !== `${accountGroups.section}.${group}`,
      );
      if (owners.length === 0) continue;
      result.foreignSecrets.add(env);
      report([...at, 'extract', 'secrets', index], 'E030', {
        copy: copyOf(task, item),
        env,
        owners: owners.join(', '),
        file,
        group: `${accountGroups.section}.${group}`,
        names: [...own].join(', ') || 'no credentials',
      });
    }
  }
  return result;
}

/** Names the fan-out copy a message is about (empty for a task without for_each). */
function copyOf(task: TaskSpec, item: FanOutItem | null): string {
  return item === null ? '' : `task ${task.id}__${item.id}: `;
}

/** The value with fan-out placeholders substituted; null when it is only known at run time. */
function compileTimeValue(value: string, item: FanOutItem | null): string | null {
  if (placeholdersIn(value).some((name) => placeholderProblem(name, item, false) !== null))
    return null;
  const arg = toArg(value, item);
  return typeof arg === 'string' && arg !== '' ? arg : null;
}

/** `section.group` of every group whose credentials name `env`. */
function ownersOf(groups: Record<string, Record<string, unknown>>, env: string): string[] {
  const owners: string[] = [];
  for (const [section, entries] of Object.entries(groups)) {
    for (const [group, entry] of Object.entries(entries)) {
      if (!isRecord(entry) || !isRecord(entry.credentials)) continue;
      if (Object.values(entry.credentials).includes(env)) owners.push(`${section}.${group}`);
    }
  }
  return owners.sort();
}
