/**
 * The OLTP generator (`generate …`) against embedded PostgreSQL: schema, every command, seeded
 * reproducibility, the original's realism (back-dated impressions, clicks seconds after an
 * impression), reset's guard, and its errors.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { main } from '../../generator/cli.js';
import { batchArgs } from '../support/generator.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

let postgres: TestPostgres;

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

async function generate(url: string, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(
    argv,
    { PG_URL: url },
    (text) => {
      stdout += text;
    },
    (text) => {
      stderr += text;
    },
  );
  return { code, stdout, stderr };
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** `generate stats` as an object (its output is JSON followed by the seed). */
async function readStats(url: string) {
  return JSON.parse((await generate(url, 'stats')).stdout.replace(/ \(seed \d+\)\n$/, ''));
}

test('init creates the fixed schema and is idempotent', async () => {
  const url = await postgres.createDatabase('schema_check');
  expect((await generate(url, 'init')).code).toBe(0);
  expect((await generate(url, 'init')).code).toBe(0);
  const columns = await sql<{ t: string; c: string; type: string; nullable: string }>(
    url,
    `SELECT table_name AS t, column_name AS c, data_type AS type, is_nullable AS nullable
     FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  expect(
    columns.map((c) => `${c.t}.${c.c} ${c.type}${c.nullable === 'NO' ? ' not null' : ''}`),
  ).toEqual([
    'advertiser.id integer not null',
    'advertiser.name character varying not null',
    'advertiser.updated_at timestamp without time zone',
    'advertiser.created_at timestamp without time zone not null',
    'campaign.id integer not null',
    'campaign.name character varying not null',
    'campaign.bid numeric not null',
    'campaign.budget numeric not null',
    'campaign.start_date date not null',
    'campaign.end_date date not null',
    'campaign.advertiser_id integer not null',
    'campaign.updated_at timestamp without time zone',
    'campaign.created_at timestamp without time zone not null',
    'clicks.id bigint not null',
    'clicks.campaign_id integer not null',
    'clicks.created_at timestamp without time zone not null',
    'impressions.id bigint not null',
    'impressions.campaign_id integer not null',
    'impressions.created_at timestamp without time zone not null',
  ]);
});

test('every command works; impressions are back-dated over 7 days, clicks 1–10 s after one', async () => {
  const url = await postgres.createDatabase('commands');
  await generate(url, 'init');
  expect((await generate(url, 'advertisers', '--count', '2')).stdout).toMatch(
    /added advertisers 1, 2/,
  );
  expect((await generate(url, 'campaigns', '--advertiser-id', '2', '--count', '3')).code).toBe(0);
  expect(
    (await generate(url, 'impressions', '--campaign-id', '1', '--count', '2000')).stdout,
  ).toMatch(/added 2000 impressions/);
  expect((await generate(url, 'clicks', '--campaign-id', '1', '--ratio', '0.1')).code).toBe(0);
  const batch = await generate(
    url,
    ...batchArgs({ advertisers: 2, campaigns: 2, impressions: 100, ctr: 0.05 }),
  );
  expect(batch.stdout).toMatch(/added 2 advertisers, 4 campaigns, 400 impressions, \d+ clicks/);

  const [spread] = await sql<{ oldest: number; newest: number; future: string }>(
    url,
    `SELECT extract(epoch FROM localtimestamp - min(created_at)) / 86400 AS oldest,
            extract(epoch FROM localtimestamp - max(created_at)) AS newest,
            count(*) FILTER (WHERE created_at > localtimestamp) AS future
     FROM impressions`,
  );
  expect(Number(spread?.oldest)).toBeGreaterThan(6);
  expect(Number(spread?.oldest)).toBeLessThanOrEqual(7);
  expect(Number(spread?.future)).toBe(0);

  const [clicks] = await sql<{ total: string; matched: string }>(
    url,
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM impressions i WHERE i.campaign_id = c.campaign_id
                AND c.created_at BETWEEN i.created_at + interval '1 second' AND i.created_at + interval '10 seconds'
            )) AS matched
     FROM clicks c`,
  );
  expect(Number(clicks?.total)).toBeGreaterThan(100);
  expect(clicks?.matched).toBe(clicks?.total);

  const stats = await readStats(url);
  expect(stats).toMatchObject({ advertisers: 4, campaigns: 7, impressions: 2400 });

  const before = stats.impressions + stats.clicks + stats.campaigns + stats.advertisers;
  const random = await generate(url, 'random', '--seed', '3');
  expect(random.stdout).toMatch(/^added \d+ /);
  const after = await readStats(url);
  expect(after.impressions + after.clicks + after.campaigns + after.advertisers).toBeGreaterThan(
    before,
  );
});

test('the same --seed gives the same data', async () => {
  const fill = async (url: string, seed: number) => {
    await generate(url, 'init');
    await generate(
      url,
      ...batchArgs({ advertisers: 3, campaigns: 2, impressions: 300, ctr: 0.1, seed }),
    );
  };
  const snapshot = async (url: string) => {
    await fill(url, 42);
    return sql(
      url,
      `SELECT (SELECT json_agg(a ORDER BY id) FROM (SELECT id, name FROM advertiser) a) AS advertisers,
              (SELECT json_agg(c ORDER BY id) FROM (SELECT id, name, bid, budget, start_date, end_date, advertiser_id FROM campaign) c) AS campaigns,
              (SELECT json_agg(n ORDER BY campaign_id) FROM (SELECT campaign_id, count(*) FROM clicks GROUP BY 1) n) AS clicks`,
    );
  };
  const first = await snapshot(await postgres.createDatabase('seed_a'));
  const second = await snapshot(await postgres.createDatabase('seed_b'));
  expect(second).toEqual(first);
  const other = await postgres.createDatabase('seed_c');
  await fill(other, 43);
  const names = await sql<{ name: string }>(other, 'SELECT name FROM advertiser ORDER BY id');
  expect(names).not.toEqual(
    (first[0]?.advertisers as Array<{ name: string }> | undefined)?.map(({ name }) => ({ name })),
  );
});

test('reset refuses without --yes, deletes with it, and ids stay monotonic', async () => {
  const url = await postgres.createDatabase('reset');
  await generate(url, 'init');
  await generate(url, ...batchArgs({ advertisers: 1, campaigns: 1, impressions: 50, ctr: 0.1 }));
  const refused = await generate(url, 'reset');
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/pass --yes/);
  expect((await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM impressions'))[0]?.n).toBe('50');
  expect((await generate(url, 'reset', '--yes')).code).toBe(0);
  const counts = await sql<{ n: string }>(
    url,
    'SELECT (SELECT count(*) FROM advertiser) + (SELECT count(*) FROM campaign) + (SELECT count(*) FROM impressions) + (SELECT count(*) FROM clicks) AS n',
  );
  expect(counts[0]?.n).toBe('0');
  await generate(url, ...batchArgs({ advertisers: 1, campaigns: 1, impressions: 5, ctr: 0 }));
  expect(
    (await sql<{ min: string }>(url, 'SELECT min(id)::text AS min FROM impressions'))[0]?.min,
  ).toBe('51');
});

test('bad input: clear message and exit code', async () => {
  const url = await postgres.createDatabase('errors');
  await generate(url, 'init');
  const missing = await generate(url, 'campaigns', '--advertiser-id', '99', '--count', '1');
  expect(missing).toMatchObject({ code: 2 });
  expect(missing.stderr).toMatch(/advertiser 99 does not exist/);
  const badFlag = await generate(url, 'impressions', '--campaign-id', '1', '--count', 'lots');
  expect(badFlag.code).toBe(2);
  expect(badFlag.stderr).toMatch(/--count/);
  const unknown = await generate(url, 'impressions', '--campaign', '1');
  expect(unknown.code).toBe(2);
  expect((await generate(url, 'explode')).stderr).toMatch(/unknown command "explode"/);
  for (const name of ['toString', 'constructor']) {
    const prototypeName = await generate(url, name);
    expect(prototypeName.code).toBe(2);
    expect(prototypeName.stderr).toContain(`unknown command "${name}"`);
  }
  const unreachable = await generate('postgresql://postgres:secret-pw@127.0.0.1:1/adtech', 'stats');
  expect(unreachable.code).toBe(1);
  expect(unreachable.stderr).toMatch(/host unreachable/);
  expect(unreachable.stderr).not.toContain('secret-pw');
});

test('missing flags take the defaults the help shows, or are named as required', async () => {
  const url = await postgres.createDatabase('defaults');
  await generate(url, 'init');
  const help = await generate(url, 'batch', '--help');
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(
    /batch \[--advertisers N=1\] \[--campaigns N=3\] \[--impressions N=1000\] \[--ctr N=0\.05\]/,
  );
  // `generate batch --advertisers 2` used to fail with "--campaigns: expected number, received NaN".
  const batch = await generate(url, 'batch', '--advertisers', '2', '--seed', '1');
  expect(batch.code, batch.stderr).toBe(0);
  expect(batch.stdout).toMatch(/added 2 advertisers, 6 campaigns, 6000 impressions, \d+ clicks/);
  const noId = await generate(url, 'campaigns', '--count', '2');
  expect(noId.code).toBe(2);
  expect(noId.stderr).toBe('generate: campaigns needs --advertiser-id\n');
  const badCount = await generate(url, 'batch', '--campaigns', 'NaN');
  expect(badCount.code).toBe(2);
  expect(badCount.stderr).toMatch(
    /^generate: --campaigns must be an integer from 1 to 100000000, got 'NaN'\n$/,
  );
  const unreachable = await generate('postgresql://postgres:pw@127.0.0.1:1/adtech', 'stats');
  expect(unreachable.stderr).toMatch(/^generate: connecting to PostgreSQL/);
  expect(unreachable.stderr).not.toMatch(/generate: generate:|Error:/);
});
