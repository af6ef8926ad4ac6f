/**
 * What `npm run dag -- test` prints when a task fails: the failing model or stream with the
 * tool's own message, what to run first when a raw table is missing, and no credential, even
 * when a server echoes the request's `authorization=Basic …` header back.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure, registerTaskSecrets } from '../../local/task-failure.js';
import { startWarehouse, type TestWarehouse } from '../support/warehouse.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const PASSWORD = 'S3cr3t-warehouse-pw';
const BASIC = Buffer.from(`pipeline:${PASSWORD}`).toString('base64');

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'adtech-task-failure-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('describeFailure', () => {
  it("names the failing dbt model with ClickHouse's message, no SQL, a hint and no credential", async () => {
    registerTaskSecrets({ CLICKHOUSE_USER: 'pipeline', CLICKHOUSE_PASSWORD: PASSWORD }, []);
    const resultsFile = path.join(folder, 'run_results.json');
    await writeFile(
      resultsFile,
      JSON.stringify({
        results: [
          {
            unique_id: 'model.adtech_pipeline.stg_postgres__advertisers',
            status: 'success',
            failures: null,
            message: 'OK',
          },
          {
            unique_id: 'model.adtech_pipeline.stg_postgres__clicks',
            status: 'error',
            failures: null,
            message: `Database Error in model stg_postgres__clicks (models/staging/postgres/stg_postgres__clicks.sql)\n  Received ClickHouse exception, code: 60, server response: Code: 60. DB::Exception: Table raw.postgres_clicks does not exist. (UNKNOWN_TABLE) (version 26.7.2.1) (for url http://pipeline:${PASSWORD}@127.0.0.1:8123/?authorization=Basic ${BASIC})\n  create view staging.stg_postgres__clicks as select id as click_id from raw.postgres_clicks final`,
          },
          {
            unique_id:
              'test.adtech_pipeline.unique_advertiser_campaigns_totals_report_campaign_id.78202ca835',
            status: 'fail',
            failures: 2,
            message: 'Got 2 results, configured to fail if != 0',
          },
          {
            unique_id: 'model.adtech_pipeline.int_clicks_by_day',
            status: 'skipped',
            failures: null,
            message: null,
          },
        ],
      }),
    );
    const lines = describeFailure({ output: `echo authorization=Basic ${BASIC}`, resultsFile });
    expect(lines).toEqual([
      'model stg_postgres__clicks: Table raw.postgres_clicks does not exist (UNKNOWN_TABLE)',
      '  → raw.postgres_clicks does not exist yet: load it first (npm run extract -- postgres), or create the empty raw tables with npm run extract -- postgres --init-only',
      'test unique_advertiser_campaigns_totals_report_campaign_id: 2 failing rows',
    ]);
  });

  it('names the stream and account of an extractor error, redacted', () => {
    registerTaskSecrets({ FACEBOOK_ACCESS_TOKEN: 'EAAB-not-a-real-token-123' }, [
      'FACEBOOK_ACCESS_TOKEN',
    ]);
    const output = [
      'not json',
      JSON.stringify({ level: 'info', msg: 'extract facebook-ads' }),
      JSON.stringify({
        level: 'error',
        msg: 'Graph API 190: invalid token EAAB-not-a-real-token-123',
        stream: 'ads_insights',
        account: 'act_1001',
      }),
    ].join('\n');
    expect(describeFailure({ output })).toEqual([
      'stream ads_insights, account act_1001: Graph API 190: invalid token ***',
    ]);
  });

  it('falls back to the redacted tail of the output', () => {
    registerTaskSecrets({ CLICKHOUSE_USER: 'pipeline', CLICKHOUSE_PASSWORD: PASSWORD }, []);
    const output = ['line 1', `Authorization: Basic ${BASIC}`, `password=${PASSWORD}`].join('\n');
    const lines = describeFailure({ output }).join('\n');
    expect(lines).toContain('line 1');
    expect(lines).not.toContain(PASSWORD);
    expect(lines).not.toContain(BASIC);
  });
});

describe('npm run dag -- test with a failing dbt task', () => {
  let warehouse: TestWarehouse;
  beforeAll(async () => {
    warehouse = await startWarehouse({ user: 'pipeline', password: PASSWORD });
  });
  afterAll(async () => {
    await warehouse?.destroy();
  });

  it('prints the failing models, what to run first, and no credential', async () => {
    const result = await execa(
      'npx',
      ['tsx', path.join(REPO, 'local/dag.ts'), 'test', 'campaign_reports', '--verbose'],
      { cwd: REPO, env: { ...warehouse.env, ADTECH_LOCAL_STACK: 'off' }, reject: false, all: true },
    );
    const output = String(result.all);
    expect(result.exitCode, output).toBe(1);
    expect(output).toMatch(
      /\| model stg_postgres__\w+: Database raw does not exist \(UNKNOWN_DATABASE\)/,
    );
    expect(output).toContain(
      '→ the raw database does not exist yet: run npm run extract -- postgres --init-only',
    );
    expect(output).not.toMatch(/create view|select .* from raw\./i);
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(BASIC);
  });
});
