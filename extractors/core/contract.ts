/**
 * The contract an extractor source publishes for the DAG compiler and for its own CLI.
 *
 * Every source has `extractors/<source>/contract.ts` exporting `export const contract = {...}
 * as const satisfies SourceContract`. The object is data the DAG compiler reads statically with
 * ts-morph, without importing extractor code or SDKs: literals (strings, numbers, booleans,
 * arrays, nested objects), spreads and references to `const`s of this or another file (the ad
 * platforms spread `adPlatformFlags`), never calls. The CLI builds its flag parser from the same
 * object, so what the compiler checks is what the CLI accepts.
 */

export type FlagType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'list' | 'enum';

export interface FlagContract {
  /** How the value is parsed: `date` is YYYY-MM-DD, `list` is comma-separated. */
  readonly type: FlagType;
  readonly description: string;
  /** Allowed values when `type` is `enum`. */
  readonly values?: readonly string[];
  /** Default used when neither the flag nor its env variable is given. */
  readonly default?: string | number | boolean;
  /** Environment variable read when the flag is absent. */
  readonly env?: string;
  /** The run cannot start without it (after env and default are considered). */
  readonly required?: boolean;
  /**
   * Bounds of an `integer` / `number` flag and the format of a `string` one. The source's config
   * schema enforces them (derived with `flagConfigShape`, extractors/core/flag-config.ts).
   */
  readonly minimum?: number;
  readonly maximum?: number;
  readonly format?: 'url';
}

export interface SecretContract {
  /** Environment variable the extractor reads the secret from. */
  readonly env: string;
  readonly description: string;
  /** When false the source works without it (for example PGPASSWORD when PG_URL has one). */
  readonly required: boolean;
  /**
   * A required secret is also met when any of these variables reaches the task (as a secret or in
   * the project environment) instead: PGHOST for PG_URL.
   */
  readonly unlessGiven?: readonly string[];
}

/**
 * A source that serves one account group per run. The accounts file (`fileFlag`) keys groups by
 * `section`, then by group name (`groupFlag`); each group names, under `credentials`, the
 * environment variable holding each credential. A run needs every credential listed here, so a
 * task must pass (in `secrets:`) the variable its group names for each.
 */
export interface AccountGroupContract {
  readonly fileFlag: string;
  readonly groupFlag: string;
  readonly section: string;
  readonly credentials: readonly { readonly name: string; readonly description: string }[];
}

export interface TableContract {
  /** Fully qualified ClickHouse table, `raw.<source>_<stream>`. */
  readonly table: string;
  readonly stream: string;
  readonly description: string;
}

export interface SourceContract {
  /** The CLI sub-command: `extract <source>`. */
  readonly source: string;
  readonly description: string;
  /** Flag name without the leading dashes, kebab-case. */
  readonly flags: Readonly<Record<string, FlagContract>>;
  readonly secrets: readonly SecretContract[];
  /** Credentials named per account group in an accounts file (the ad platforms). */
  readonly accountGroups?: AccountGroupContract;
  readonly tables: readonly TableContract[];
}
