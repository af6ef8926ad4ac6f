/**
 * Extract tasks against their source's contract: the source exists (E013); each flag exists
 * (E014), is not one the run sets (E020) and has a value of its type (E017); required flags
 * (E021) and secrets (E015) reach the task; secrets it passes are ones the source declares
 * (W003); the tables it says it produces are ones the source writes (W002); and, for sources
 * with account groups, the accounts file agrees (./accounts.ts).
 */
import { flagsOf, isWindowed } from '../contracts.js';
import { didYouMean } from '../diagnostics.js';
import { type AccountGroupCheck, checkAccountGroups } from './accounts.js';
import { flagValueProblem } from './flags.js';
import type { TaskCheck } from './types.js';

export const checkExtract: TaskCheck = ({ task, items, at, context, report }) => {
  const extract = task.extract;
  if (extract === undefined) return;
  const loaded = context.contracts.sources.get(extract.source);
  if (loaded === undefined) {
    const known = [...context.contracts.sources.keys()];
    report([...at, 'extract', 'source'], 'E013', {
      source: extract.source,
      known: known.join(', ') || 'none: no extractors/*/contract.ts found',
      hint: didYouMean(extract.source, known),
    });
    return;
  }
  const { contract } = loaded;
  const flags = flagsOf(context.contracts, contract);
  const windowed = isWindowed(contract);
  // The generated command passes these; a spec that set them too would pass them twice.
  const setByRun = (name: string) =>
    name === 'run-id' || (windowed && (name === 'since' || name === 'until'));
  const given = extract.flags ?? {};
  for (const [name, value] of Object.entries(given)) {
    const where = [...at, 'extract', 'flags', name];
    const flag = flags[name];
    if (flag === undefined) {
      const known = Object.keys(flags);
      report(
        where,
        'E014',
        {
          source: contract.source,
          flag: name,
          known: known.join(', '),
          hint: didYouMean(name, known),
        },
        { key: true },
      );
      continue;
    }
    if (setByRun(name)) {
      const setter = name === 'run-id' ? "Airflow's run id" : "the run's data interval";
      report(where, 'E020', { flag: name, setter }, { key: true });
      continue;
    }
    const problem = flagValueProblem(flag, value);
    if (problem !== null) report(where, 'E017', { flag: name, problem });
  }
  // What the task container gets in its environment: a required flag read from there is met.
  const environment = context.project.environment ?? {};
  const secrets = new Set([...(extract.secrets ?? []), ...(context.project.shared_secrets ?? [])]);
  for (const [name, flag] of Object.entries(contract.flags)) {
    if (!flag.required || name in given || flag.default !== undefined || setByRun(name)) continue;
    if (flag.env !== undefined && (flag.env in environment || secrets.has(flag.env))) continue;
    report([...at, 'extract'], 'E021', {
      source: contract.source,
      flag: name,
      description: flag.description,
    });
  }
  const reaches = (env: string) => secrets.has(env) || env in environment;
  for (const secret of contract.secrets) {
    if (!secret.required || secrets.has(secret.env)) continue;
    if ((secret.unlessGiven ?? []).some(reaches)) continue;
    report([...at, 'extract'], 'E015', {
      copy: '',
      source: contract.source,
      needs: 'requires',
      env: secret.env,
      why: secret.description,
      alternative:
        secret.unlessGiven === undefined ? '' : ` (or give ${secret.unlessGiven.join(' or ')})`,
    });
  }
  const groups: AccountGroupCheck =
    contract.accountGroups !== undefined && context.accounts !== undefined
      ? checkAccountGroups({
          task,
          items,
          at,
          accountGroups: contract.accountGroups,
          flagEnv: {
            file: flags[contract.accountGroups.fileFlag]?.env,
            group: flags[contract.accountGroups.groupFlag]?.env,
          },
          environment,
          secrets,
          source: contract.source,
          reader: context.accounts,
          report,
        })
      : { groupSecrets: new Set(), foreignSecrets: new Set() };
  const declared = [
    ...new Set([...contract.secrets.map((secret) => secret.env), ...groups.groupSecrets]),
  ];
  for (const [index, env] of (extract.secrets ?? []).entries()) {
    if (groups.foreignSecrets.has(env) || declared.includes(env)) continue;
    report([...at, 'extract', 'secrets', index], 'W003', {
      source: contract.source,
      env,
      declared: declared.join(', ') || 'none',
    });
  }
  const written = contract.tables.map((table) => `clickhouse://${table.table.replace('.', '/')}`);
  for (const [index, uri] of (task.produces ?? []).entries()) {
    if (uri.startsWith('clickhouse://') && !uri.includes('${') && !written.includes(uri)) {
      report([...at, 'produces', index], 'W002', {
        source: contract.source,
        uri,
        written: written.join(', ') || 'nothing declared',
      });
    }
  }
};
