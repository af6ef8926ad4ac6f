/**
 * Account groups: which ad accounts one run serves and where their credentials come from.
 *
 * The file (YAML or JSON) is keyed by source, then by group name (`d1`, `g1`, …). A group lists
 * its account ids and, for each credential the source needs, the NAME of the environment variable
 * holding it — never the value — so the file can be committed and mounted into the container.
 *
 *   facebook-ads:
 *     d1:
 *       accounts: ["act_1001", "act_1002"]
 *       credentials: { access_token: FACEBOOK_D1_ACCESS_TOKEN }
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, UsageError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const envVarName = z
  .string()
  .regex(ENV_NAME, 'must be the NAME of an environment variable (letters, digits, _), not a value');

/** Builds the schema of one group: account ids plus named credential env vars. */
export function accountGroupSchema<
  const Credential extends string,
  Extra extends z.ZodRawShape = Record<never, never>,
>(credentials: readonly Credential[], extra?: Extra) {
  const credentialShape = Object.fromEntries(credentials.map((name) => [name, envVarName])) as {
    [K in Credential]: typeof envVarName;
  };
  return z
    .object({
      accounts: z.array(z.string().min(1)).min(1, 'a group needs at least one account'),
      credentials: z.object(credentialShape).strict(),
      ...(extra ?? ({} as Extra)),
    })
    .strict();
}

export interface LoadedGroup<Group> {
  readonly name: string;
  readonly group: Group;
  /** Credential values, read from the environment variables the group names. */
  readonly secrets: Readonly<Record<string, string>>;
}

/**
 * Reads the file, validates the `<source>.<group>` entry and resolves its credentials from `env`.
 * Every problem is reported with the file and the path inside it.
 */
export async function loadAccountGroup<
  Schema extends z.ZodType<{ credentials: Record<string, string> }>,
>(options: {
  readonly file: string;
  readonly source: string;
  readonly group: string;
  readonly schema: Schema;
  readonly env: NodeJS.ProcessEnv;
}): Promise<LoadedGroup<z.output<Schema>>> {
  const { file, source, group, schema, env } = options;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `accounts file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new UsageError(`accounts file ${file}: not valid YAML/JSON: ${(error as Error).message}`);
  }
  const groups = (document as Record<string, unknown> | null)?.[source];
  if (!groups || typeof groups !== 'object') {
    throw new UsageError(`accounts file ${file}: no \`${source}\` section`);
  }
  const raw = (groups as Record<string, unknown>)[group];
  if (raw === undefined) {
    const known = Object.keys(groups).join(', ') || 'none';
    throw new UsageError(
      `accounts file ${file}: no group \`${group}\` under \`${source}\` (groups: ${known})`,
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${[source, group, ...issue.path].join('.')}: ${issue.message}`)
      .join('; ');
    throw new UsageError(`accounts file ${file}: ${problems}`);
  }
  const secrets: Record<string, string> = {};
  const missing: string[] = [];
  for (const [credential, variable] of Object.entries(parsed.data.credentials)) {
    const value = env[variable];
    if (!value) missing.push(`${credential} (env ${variable})`);
    else {
      registerSecret(value);
      secrets[credential] = value;
    }
  }
  if (missing.length > 0) {
    throw new ConfigError(
      `group \`${group}\` of ${source}: credential(s) not set: ${missing.join(', ')}`,
    );
  }
  return { name: group, group: parsed.data, secrets };
}
