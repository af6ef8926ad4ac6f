/**
 * Ad-platform extractors benchmark (not a test):
 * `npm run bench -- ads [--ads=500] [--fb-days=1,90,360] [--fb-heap-mb=64] [--google-days=1,90,360]
 *  [--google-heap-mb=64] [--google-chunk-days=14]`.
 *
 * The real `extract facebook-ads` and `extract google-ads` CLIs, each in a child process, against
 * the loopback fakes (served from this process) into embedded ClickHouse: Facebook insights for
 * N ads × D days through async report runs and Graph paging (500 rows a page), at several D so
 * that memory can be seen not to grow with the rows (1 day is the floor: embedded ClickHouse and
 * the code); Google Ads campaign and ad group daily metrics for N campaigns × D days through
 * searchStream (10,000-row stream elements, as Google sends them), at several D too. Prints wall
 * time, in-run time, rows/s, peak RSS and peak JS heap of the extractor process. Asserts nothing
 * about time.
 *
 * V8 lets the heap grow well past what is live while there is room, so the peaks above include
 * garbage; `--fb-heap-mb` / `--google-heap-mb` cap the extractor's old space
 * (`--max-old-space-size`) to show the run still fits, at the same speed, when garbage has to be
 * collected early.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { addDays } from '../extractors/core/dates.js';
import { formatCount } from '../extractors/core/logger.js';
import { type FakeInsight, startFakeGraph } from '../test/fakes/facebook-graph.js';
import { type GaqlValue, startFakeGoogleAds } from '../test/fakes/google-ads.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const numbers = (name: string, fallback: string): number[] =>
  (process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
    .split(',')
    .map(Number);
const [ADS = 500] = numbers('ads', '500');
const FACEBOOK_DAYS = numbers('fb-days', '1,90,360');
const GOOGLE_DAYS = numbers('google-days', '1,90,360');
const [FACEBOOK_HEAP_MB = 0] = numbers('fb-heap-mb', '0');
const [GOOGLE_HEAP_MB = 0] = numbers('google-heap-mb', '0');
const [GOOGLE_CHUNK_DAYS = 14] = numbers('google-chunk-days', '14');
const SINCE = '2024-01-01';
const datesFrom = (days: number) => Array.from({ length: days }, (_, d) => addDays(SINCE, d));

interface Figures {
  wallMs: number;
  runMs: number;
  rows: number;
  maxRssMb: number;
  maxHeapMb: number;
}

async function extract(
  args: string[],
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<Figures> {
  const started = performance.now();
  const result = await execa(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      path.join(root, 'bench/memory-sampler.mjs'),
      ...nodeFlags,
      path.join(root, 'extractors/cli.ts'),
      ...args,
    ],
    {
      cwd: root,
      env,
      reject: false,
    },
  );
  const wallMs = performance.now() - started;
  if (result.exitCode !== 0)
    throw new Error(`extract ${args[0]} failed: ${result.stderr.slice(-2000)}`);
  const event = <T>(name: string): T | undefined =>
    String(result.stderr)
      .split('\n')
      .filter((line) => line.includes(`"event":"${name}"`))
      .map((line) => JSON.parse(line) as T)[0];
  const summary = event<{ rows: number; duration_ms: number; max_rss_kb: number }>('summary');
  const memory = event<{ heap_used_mb: number }>('memory_peaks');
  if (!summary || !memory) throw new Error('no summary or memory_peaks line');
  return {
    wallMs,
    runMs: summary.duration_ms,
    rows: summary.rows,
    maxRssMb: summary.max_rss_kb / 1024,
    maxHeapMb: memory.heap_used_mb,
  };
}

function report(label: string, f: Figures): void {
  console.log(
    `${label}: ${formatCount(f.rows)} rows in ${(f.runMs / 1000).toFixed(2)} s in-run ` +
      `(${formatCount(Math.round(f.rows / (f.runMs / 1000)))} rows/s), ${(f.wallMs / 1000).toFixed(2)} s wall, ` +
      `peak RSS ${f.maxRssMb.toFixed(0)} MB, peak JS heap ${f.maxHeapMb} MB`,
  );
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'adtech-bench-ads-'));
const accountsFile = path.join(tmp, 'ad-accounts.yaml');
await writeFile(
  accountsFile,
  [
    'facebook-ads:',
    '  bench: { accounts: [act_1], credentials: { access_token: FB_TOKEN } }',
    'google-ads:',
    '  bench:',
    '    accounts: ["1234567890"]',
    '    credentials: { developer_token: G_DEV, client_id: G_ID, client_secret: G_SECRET, refresh_token: G_REFRESH }',
    '',
  ].join('\n'),
);

const heapFlags = (mb: number) => (mb > 0 ? [`--max-old-space-size=${mb}`] : []);

/**
 * `extract <source>` over the group `bench` for `days` days from SINCE (no lookback), into a
 * ClickHouse folder of its own, with the old space capped at `heapMb` (0: uncapped).
 */
function extractDays(
  source: 'facebook-ads' | 'google-ads',
  days: number,
  run: { flags: string[]; env: Record<string, string>; heapMb: number },
): Promise<Figures> {
  return extract(
    [
      source,
      '--group',
      'bench',
      '--since',
      SINCE,
      '--until',
      addDays(SINCE, days),
      '--lookback-days',
      '0',
      ...run.flags,
    ],
    {
      CLICKHOUSE_PATH: path.join(tmp, `ch-${source}-${days}`),
      ADS_ACCOUNTS_FILE: accountsFile,
      PATH: process.env.PATH ?? '',
      ...run.env,
    },
    heapFlags(run.heapMb),
  );
}

const heapCap = (mb: number) => (mb > 0 ? `, old space capped at ${mb} MB` : '');

/** Facebook: ADS ads in 10 campaigns, one insights row per ad and day, in a fresh ClickHouse. */
async function benchFacebook(days: number): Promise<void> {
  const ads = Array.from({ length: ADS }, (_, a) => ({
    id: String(10_000 + a),
    name: `ad ${a}`,
    campaign_id: String(100 + (a % 10)),
    adset_id: String(1_000 + (a % 50)),
  }));
  const insights: FakeInsight[] = [];
  for (const date of datesFrom(days)) {
    for (const [a, ad] of ads.entries()) {
      insights.push({
        adId: ad.id,
        date,
        breakdown: {},
        impressions: 1000 + a,
        clicks: a % 50,
        spendCents: 100 + a * 7,
        actions: { link_click: a % 50, purchase: a % 3 },
        actionValues: { purchase: (a % 3) * 1999 },
      });
    }
  }
  const graph = await startFakeGraph({
    accessToken: 'EAAbenchToken',
    accounts: [
      {
        id: '1',
        name: 'bench',
        currency: 'USD',
        timezone: 'UTC',
        campaigns: Array.from({ length: 10 }, (_, c) => ({
          id: String(100 + c),
          name: `campaign ${c}`,
        })),
        adsets: Array.from({ length: 50 }, (_, s) => ({
          id: String(1_000 + s),
          name: `adset ${s}`,
          campaign_id: String(100 + (s % 10)),
        })),
        ads,
        insights,
      },
    ],
  });
  try {
    const fb = await extractDays('facebook-ads', days, {
      flags: ['--poll-interval-ms', '10'],
      env: { FB_TOKEN: 'EAAbenchToken', FACEBOOK_GRAPH_URL: graph.url },
      heapMb: FACEBOOK_HEAP_MB,
    });
    report(
      `facebook-ads (${formatCount(ADS)} ads x ${days} days, 7-day report runs, 500-row pages${heapCap(FACEBOOK_HEAP_MB)})`,
      fb,
    );
  } finally {
    await graph.close();
  }
}

/** Google Ads: ADS campaigns with one ad group each, one row per campaign and day. */
async function benchGoogle(days: number): Promise<void> {
  const info = {
    'customer.id': '1234567890',
    'customer.currency_code': 'USD',
    'customer.time_zone': 'UTC',
    'customer.descriptive_name': 'bench',
  };
  const rows: Record<string, GaqlValue>[] = [];
  for (const date of datesFrom(days)) {
    for (let c = 0; c < ADS; c++) {
      rows.push({
        ...info,
        'campaign.id': String(100_000 + c),
        'campaign.name': `campaign ${c}`,
        'ad_group.id': String(200_000 + c),
        'ad_group.name': `ad group ${c}`,
        'segments.date': date,
        'metrics.impressions': String(1000 + c),
        'metrics.clicks': String(c % 50),
        'metrics.cost_micros': String(1_234_567 * (c + 1)),
        'metrics.conversions': (c % 7) / 2,
        'metrics.conversions_value': c % 7,
      });
    }
  }
  const credentials = {
    developerToken: 'dev',
    clientId: 'id',
    clientSecret: 'secret',
    refreshToken: 'refresh',
  };
  const google = await startFakeGoogleAds({
    ...credentials,
    customers: [
      {
        id: '1234567890',
        resources: { customer: [info], campaign: rows, ad_group: rows, ad_group_ad: [] },
      },
    ],
  });
  google.batchSize = 10_000;
  try {
    const figures = await extractDays('google-ads', days, {
      flags: ['--chunk-days', String(GOOGLE_CHUNK_DAYS)],
      env: {
        G_DEV: credentials.developerToken,
        G_ID: credentials.clientId,
        G_SECRET: credentials.clientSecret,
        G_REFRESH: credentials.refreshToken,
        GOOGLE_ADS_API_URL: google.url,
        GOOGLE_OAUTH_TOKEN_URL: `${google.url}/token`,
      },
      heapMb: GOOGLE_HEAP_MB,
    });
    report(
      `google-ads (${formatCount(ADS)} campaigns x ${days} days, campaign + ad group daily, ${GOOGLE_CHUNK_DAYS}-day queries${heapCap(GOOGLE_HEAP_MB)})`,
      figures,
    );
  } finally {
    await google.close();
  }
}

try {
  for (const days of FACEBOOK_DAYS) await benchFacebook(days);
  for (const days of GOOGLE_DAYS) await benchGoogle(days);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
