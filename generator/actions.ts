import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { advertiserName, campaignName, type Random } from './random.js';

/**
 * What the generator does to the OLTP database, one function per command. Bulk rows are made
 * inside PostgreSQL (generate_series, INSERT … SELECT) so millions of impressions load at the
 * server's speed; PostgreSQL's random() is seeded with setseed() from the run's seed.
 */

export class GeneratorInputError extends Error {}

const SCHEMA_FILE = new URL('./schema.sql', import.meta.url);

export async function init(client: pg.Client): Promise<void> {
  await client.query(await readFile(SCHEMA_FILE, 'utf8'));
}

async function seedPostgres(client: pg.Client, random: Random): Promise<void> {
  await client.query('SELECT setseed($1)', [random.pgSeed()]);
}

async function requireRow(client: pg.Client, table: 'advertiser' | 'campaign', id: number) {
  const result = await client.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id]);
  if (result.rowCount === 0) throw new GeneratorInputError(`${table} ${id} does not exist`);
}

export async function addAdvertisers(
  client: pg.Client,
  random: Random,
  count: number,
): Promise<number[]> {
  const names = Array.from({ length: count }, () => advertiserName(random));
  const result = await client.query<{ id: number }>(
    'INSERT INTO advertiser (name) SELECT unnest($1::text[]) RETURNING id',
    [names],
  );
  return result.rows.map((row) => row.id);
}

/** `count` campaigns for each advertiser in `advertiserIds`. */
export async function addCampaigns(
  client: pg.Client,
  random: Random,
  advertiserIds: readonly number[],
  count: number,
): Promise<number[]> {
  if (advertiserIds.length === 1)
    await requireRow(client, 'advertiser', advertiserIds[0] as number);
  const rows = advertiserIds.flatMap((advertiserId) =>
    Array.from({ length: count }, () => {
      const startOffset = random.int(-30, 7);
      return {
        name: campaignName(random),
        bid: (random.int(10, 500) / 100).toFixed(2),
        budget: (random.int(10_000, 1_000_000) / 100).toFixed(2),
        startOffset,
        endOffset: startOffset + random.int(7, 90),
        advertiserId,
      };
    }),
  );
  const result = await client.query<{ id: number }>(
    `INSERT INTO campaign (name, bid, budget, start_date, end_date, advertiser_id)
     SELECT name, bid, budget, current_date + start_offset, current_date + end_offset, advertiser_id
     FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::int[], $5::int[], $6::int[])
       AS t(name, bid, budget, start_offset, end_offset, advertiser_id)
     RETURNING id`,
    [
      rows.map((r) => r.name),
      rows.map((r) => r.bid),
      rows.map((r) => r.budget),
      rows.map((r) => r.startOffset),
      rows.map((r) => r.endOffset),
      rows.map((r) => r.advertiserId),
    ],
  );
  return result.rows.map((row) => row.id);
}

/**
 * `count` impressions for each campaign, back-dated uniformly over the last 7 days (as the
 * original generator did), so a created_at watermark would miss them.
 */
export async function addImpressions(
  client: pg.Client,
  random: Random,
  campaignIds: readonly number[],
  count: number,
): Promise<number> {
  if (campaignIds.length === 1) await requireRow(client, 'campaign', campaignIds[0] as number);
  await seedPostgres(client, random);
  const result = await client.query(
    `INSERT INTO impressions (campaign_id, created_at)
     SELECT c.id, localtimestamp - random() * interval '7 days'
     FROM unnest($1::int[]) AS c(id) CROSS JOIN generate_series(1, $2::int)`,
    [campaignIds, count],
  );
  return result.rowCount ?? 0;
}

/**
 * Clicks for a share `ratio` of a campaign's impressions (or of the impressions after id
 * `afterImpressionId`), each 1–10 seconds after its impression and never in the future.
 */
export async function addClicks(
  client: pg.Client,
  random: Random,
  target: { campaignId: number } | { afterImpressionId: string },
  ratio: number,
): Promise<number> {
  if ('campaignId' in target) await requireRow(client, 'campaign', target.campaignId);
  await seedPostgres(client, random);
  const [where, value] =
    'campaignId' in target
      ? ['campaign_id = $1', target.campaignId]
      : ['id > $1::bigint', target.afterImpressionId];
  const result = await client.query(
    `INSERT INTO clicks (campaign_id, created_at)
     SELECT campaign_id, least(created_at + (1 + random() * 9) * interval '1 second', localtimestamp)
     FROM (SELECT campaign_id, created_at FROM impressions WHERE ${where} ORDER BY id) AS i
     WHERE random() < $2`,
    [value, ratio],
  );
  return result.rowCount ?? 0;
}

export interface BatchSpec {
  advertisers: number;
  /** Campaigns per advertiser. */
  campaigns: number;
  /** Impressions per campaign. */
  impressions: number;
  /** Clicks per impression, 0–1. */
  ctr: number;
}

export interface BatchResult {
  advertisers: number;
  campaigns: number;
  impressions: number;
  clicks: number;
}

export async function batch(
  client: pg.Client,
  random: Random,
  spec: BatchSpec,
): Promise<BatchResult> {
  const before = await client.query<{ max: string }>(
    'SELECT coalesce(max(id), 0)::text AS max FROM impressions',
  );
  const advertiserIds = await addAdvertisers(client, random, spec.advertisers);
  const campaignIds = await addCampaigns(client, random, advertiserIds, spec.campaigns);
  const impressions = await addImpressions(client, random, campaignIds, spec.impressions);
  const clicks = await addClicks(
    client,
    random,
    { afterImpressionId: before.rows[0]?.max ?? '0' },
    spec.ctr,
  );
  return { advertisers: advertiserIds.length, campaigns: campaignIds.length, impressions, clicks };
}

export interface Stats {
  advertisers: number;
  campaigns: number;
  impressions: number;
  clicks: number;
  ctr: number;
  firstImpression: string | null;
  lastImpression: string | null;
}

export async function stats(client: pg.Client): Promise<Stats> {
  const result = await client.query<{
    advertisers: string;
    campaigns: string;
    impressions: string;
    clicks: string;
    first: string | null;
    last: string | null;
  }>(
    `SELECT (SELECT count(*) FROM advertiser) AS advertisers,
            (SELECT count(*) FROM campaign) AS campaigns,
            (SELECT count(*) FROM impressions) AS impressions,
            (SELECT count(*) FROM clicks) AS clicks,
            (SELECT min(created_at)::text FROM impressions) AS first,
            (SELECT max(created_at)::text FROM impressions) AS last`,
  );
  const row = result.rows[0];
  const impressions = Number(row?.impressions ?? 0);
  const clicks = Number(row?.clicks ?? 0);
  return {
    advertisers: Number(row?.advertisers ?? 0),
    campaigns: Number(row?.campaigns ?? 0),
    impressions,
    clicks,
    ctr: impressions > 0 ? clicks / impressions : 0,
    firstImpression: row?.first ?? null,
    lastImpression: row?.last ?? null,
  };
}

/** Hard-deletes every row (children first). Identities are not restarted: ids stay monotonic. */
export async function reset(client: pg.Client): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const table of ['clicks', 'impressions', 'campaign', 'advertiser']) {
      await client.query(`DELETE FROM ${table}`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function randomId(client: pg.Client, random: Random, table: 'advertiser' | 'campaign') {
  const count = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  const n = Number(count.rows[0]?.n ?? 0);
  if (n === 0) return undefined;
  const row = await client.query<{ id: number }>(
    `SELECT id FROM ${table} ORDER BY id OFFSET $1 LIMIT 1`,
    [random.int(0, n - 1)],
  );
  return row.rows[0]?.id;
}

/**
 * One action picked at random, like the seed DAG's simulated traffic (every few minutes):
 * mostly impressions, then clicks, sometimes a new campaign or advertiser.
 */
export async function randomAction(client: pg.Client, random: Random): Promise<string> {
  const roll = random.next();
  const advertiserId = await randomId(client, random, 'advertiser');
  if (advertiserId === undefined || roll < 0.1) {
    const ids = await addAdvertisers(client, random, random.int(1, 3));
    return `added ${ids.length} advertiser(s)`;
  }
  const campaignId = await randomId(client, random, 'campaign');
  if (campaignId === undefined || roll < 0.25) {
    const ids = await addCampaigns(client, random, [advertiserId], random.int(1, 3));
    return `added ${ids.length} campaign(s) to advertiser ${advertiserId}`;
  }
  if (roll < 0.75) {
    const n = await addImpressions(client, random, [campaignId], random.int(100, 1000));
    return `added ${n} impression(s) to campaign ${campaignId}`;
  }
  const ratio = random.int(1, 10) / 100;
  const n = await addClicks(client, random, { campaignId }, ratio);
  return `added ${n} click(s) to campaign ${campaignId} (ratio ${ratio})`;
}
