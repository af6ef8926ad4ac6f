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
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { keyPath, plainIssueMessages } from '../core/issues.js';
import { registerSecret } from '../core/redact.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const envVarName = z
  .string()
  .regex(ENV_NAME, 'must be the NAME of an environment variable (letters, digits, _), not a value');

/**
 * The schema of one group: account ids plus the env variable name of each credential. Sources
 * `.extend` it with their own id format and extra keys.
 */
export function accountGroupSchema<const Credential extends string>(
  credentials: readonly Credential[],
) {
  const credentialShape = Object.fromEntries(credentials.map((name) => [name, envVarName])) as {
    [K in Credential]: typeof envVarName;
  };
  return z
    .object({
      accounts: z.array(z.string().min(1)).min(1, 'a group needs at least one account'),
      credentials: z.object(credentialShape).strict(),
    })
    .strict();
}

/**
 * Reads the file and validates its `<source>.<group>` entry. Synchronous because it runs inside
 * the source's config schema; every problem names the file and the path inside it.
 */
export function readAccountGroup<Schema extends z.ZodType>(options: {
  readonly file: string;
  readonly source: string;
  readonly group: string;
  readonly schema: Schema;
}): z.output<Schema> {
  const { file, source, group, schema } = options;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new Error(`${file} is not valid YAML/JSON: ${(error as Error).message}`);
  }
  const groups = (document as Record<string, unknown> | null)?.[source];
  if (!groups || typeof groups !== 'object')
    throw new Error(`${file} has no \`${source}\` section`);
  const raw = (groups as Record<string, unknown>)[group];
  if (raw === undefined) {
    const known = Object.keys(groups).join(', ') || 'none';
    throw new Error(`${file} has no group \`${group}\` under \`${source}\` (groups: ${known})`);
  }
  const parsed = schema.safeParse(raw, { error: plainIssueMessages });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${keyPath([source, group, ...issue.path])}: ${issue.message}`)
      .join('; ');
    throw new Error(`${file}: ${problems}`);
  }
  return parsed.data;
}

/**
 * The credential values of a group, read from the environment variables it names. They are
 * registered with the redactor before anything can log them.
 */
export function resolveCredentials<Credential extends string>(
  where: string,
  credentials: Readonly<Record<Credential, string>>,
  env: NodeJS.ProcessEnv,
): Record<Credential, string> {
  const values = {} as Record<Credential, string>;
  const missing: string[] = [];
  for (const [credential, variable] of Object.entries(credentials) as [Credential, string][]) {
    const value = env[variable];
    if (!value) missing.push(`${credential} (env ${variable})`);
    else {
      registerSecret(value);
      values[credential] = value;
    }
  }
  if (missing.length > 0) {
    throw new ConfigError(`${where}: credential(s) not set: ${missing.join(', ')}`);
  }
  return values;
}
