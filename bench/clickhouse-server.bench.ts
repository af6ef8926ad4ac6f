/**
 * The ClickHouse HTTP server against the same work in-process on chdb, in one run: a 1 M-row
 * insert (a TabSeparated body), a 1 M-row select (TabSeparated), and per-query overhead
 * (`SELECT 1` × 1000). `npm run bench -- clickhouse-server [--rows=N]`. Prints figures only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'chdb';
import { startClickHouseServer } from '../clickhouse-server/server.js';

const arg = process.argv.find((a) => a.startsWith('--rows='));
const ROWS = Number(arg?.split('=')[1] ?? 1_000_000);
const PINGS = 1000;
const TABLE = '(id UInt64, campaign_id UInt32, name String, cost Float64)';

const folder = await mkdtemp(path.join(os.tmpdir(), 'adtech-bench-chs-'));
const server = await startClickHouseServer({ path: path.join(folder, 'db'), port: 0 });
// The bench's own connection on the same folder: the in-process baseline.
const local = new Session(path.join(folder, 'db'));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One HTTP request; resolves with the body. */
function request(query: string, body?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}/?query=${encodeURIComponent(query)}`,
      { method: body ? 'POST' : 'GET', agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(Buffer.concat(chunks).toString())),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const time = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};
const ms = (n: number) => `${n.toFixed(0)} ms`;

try {
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++)
    lines.push(`${i}\t${i % 1000}\tcampaign ${i % 977}\t${(i % 10000) / 100}`);
  const tsv = Buffer.from(`${lines.join('\n')}\n`);
  const file = path.join(folder, 'rows.tsv');
  await writeFile(file, tsv);
  console.log(
    `${ROWS.toLocaleString('en')} rows, ${(tsv.length / 1e6).toFixed(1)} MB of TabSeparated`,
  );

  await local.queryAsync(`CREATE TABLE a ${TABLE} ENGINE = MergeTree ORDER BY id`);
  await local.queryAsync(`CREATE TABLE b ${TABLE} ENGINE = MergeTree ORDER BY id`);
  const inProcessInsert = await time(() =>
    local.queryAsync(`INSERT INTO a FROM INFILE '${file}' FORMAT TabSeparated`),
  );
  const serverInsert = await time(() => request('INSERT INTO b FORMAT TabSeparated', tsv));
  console.log(
    `insert: in-process ${ms(inProcessInsert)}, through the server ${ms(serverInsert)} ` +
      `(${(inProcessInsert / serverInsert).toFixed(2)}× in-process throughput)`,
  );

  const select = 'SELECT * FROM b ORDER BY id FORMAT TabSeparated';
  let localBytes = 0;
  let serverBytes = 0;
  const inProcessSelect = await time(async () => {
    localBytes = (await local.queryAsync(select)).bytes().byteLength;
  });
  const serverSelect = await time(async () => {
    serverBytes = (await request(select)).length;
  });
  console.log(
    `select: in-process ${ms(inProcessSelect)} (${(localBytes / 1e6).toFixed(1)} MB), through the server ${ms(serverSelect)} ` +
      `(${(serverBytes / 1e6).toFixed(1)} MB; ${(inProcessSelect / serverSelect).toFixed(2)}× in-process throughput)`,
  );

  const localPing = await time(async () => {
    for (let i = 0; i < PINGS; i++) await local.queryAsync('SELECT 1', { format: 'TSV' });
  });
  const serverPing = await time(async () => {
    for (let i = 0; i < PINGS; i++) await request('SELECT 1');
  });
  console.log(
    `SELECT 1 × ${PINGS}: in-process ${(localPing / PINGS).toFixed(2)} ms each, through the server ` +
      `${(serverPing / PINGS).toFixed(2)} ms each (overhead ${((serverPing - localPing) / PINGS).toFixed(2)} ms per query)`,
  );
} finally {
  agent.destroy();
  local.close();
  await server.close();
  await rm(folder, { recursive: true, force: true });
}
process.exit(0);
