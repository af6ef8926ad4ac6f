import { startPostgres } from '../../../support/postgres.js';

const pg = await startPostgres({ settings: { wal_level: 'logical' } });
console.log(JSON.stringify({ url: pg.url }));
process.on('SIGTERM', async () => {
  await pg.stop();
  process.exit(0);
});
setInterval(() => {}, 100000);
