/** The ClickHouse HTTP front over the embedded engine; see server.ts. */
export {
  type ClickHouseServer,
  type ClickHouseServerOptions,
  startClickHouseServer,
} from './server.js';
