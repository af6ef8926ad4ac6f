/**
 * `npm run dbt-local -- run|build|test [--select model[+] …] [--full-refresh] [--vars '{k: v}']`
 * runs the dbt project's models on ClickHouse without dbt: a server when CLICKHOUSE_URL is set,
 * embedded chdb at CLICKHOUSE_PATH otherwise. See dbt-runner/README.md for what it supports.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import {
  clickHouseSettingsFromEnv,
  createClickHouseClient,
  describeClickHouse,
} from '../extractors/core/clickhouse-client.js';
import { loadProject } from './project.js';
import { type Command, runProject } from './runner.js';

const USAGE =
  'usage: npm run dbt-local -- run|build|test [--select model[+] ...] [--full-refresh] [--vars YAML] [--project-dir DIR]';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      select: { type: 'string', short: 's', multiple: true },
      'full-refresh': { type: 'boolean', default: false },
      vars: { type: 'string' },
      'project-dir': { type: 'string', default: 'dbt' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (
    values.help ||
    positionals.length !== 1 ||
    !['run', 'build', 'test'].includes(command ?? '')
  ) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const vars = values.vars ? parseYaml(values.vars) : {};
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
    console.error(`--vars must be a YAML/JSON mapping, got: ${values.vars}`);
    return 2;
  }
  const project = loadProject(path.resolve(values['project-dir']));
  const settings = clickHouseSettingsFromEnv();
  console.log(`dbt-local ${command} on ${describeClickHouse(settings)}`);
  const client = await createClickHouseClient(settings);
  try {
    const result = await runProject(project, client, {
      command: command as Command,
      select: values.select?.flatMap((s) => s.split(/[\s,]+/).filter(Boolean)),
      fullRefresh: values['full-refresh'],
      vars: vars as Record<string, unknown>,
      targetSchema: process.env.DBT_CLICKHOUSE_SCHEMA || 'analytics',
      log: (line) => console.log(line),
    });
    const failed = result.tests.filter((test) => test.failures > 0).length;
    console.log(
      `done: ${result.models.length} models, ${result.tests.length} tests, ${failed} failing`,
    );
    return result.ok ? 0 : 1;
  } finally {
    await client.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    process.exit(1);
  },
);
