/**
 * The source registry: every `extract <source>` sub-command. To add a source, create
 * `extractors/<source>/` (contract.ts, config + streams in source.ts, its API client in its own
 * module) and append an entry here. The contract is imported eagerly (help screens, flag
 * parsing); the source itself only when it runs, so one source's SDK never slows down or
 * breaks another's runs.
 */
import { contract as appStore } from './app-store/contract.js';
import { contract as clevertap } from './clevertap/contract.js';
import type { SourceContract } from './core/contract.js';
import type { AnySource } from './core/source.js';
import { contract as facebookAds } from './facebook-ads/contract.js';
import { contract as googleAds } from './google-ads/contract.js';
import { contract as googleAnalytics } from './google-analytics/contract.js';
import { contract as googlePlay } from './google-play/contract.js';
import { contract as httpExport } from './http-export/contract.js';
import { contract as postgres } from './postgres/contract.js';

export interface SourceEntry {
  readonly contract: SourceContract;
  load(): Promise<AnySource>;
}

export const sources: readonly SourceEntry[] = [
  { contract: postgres, load: async () => (await import('./postgres/source.js')).postgresSource },
  {
    contract: facebookAds,
    load: async () => (await import('./facebook-ads/source.js')).facebookAdsSource,
  },
  {
    contract: googleAds,
    load: async () => (await import('./google-ads/source.js')).googleAdsSource,
  },
  {
    contract: googleAnalytics,
    load: async () => (await import('./google-analytics/source.js')).googleAnalyticsSource,
  },
  {
    contract: googlePlay,
    load: async () => (await import('./google-play/source.js')).googlePlaySource,
  },
  {
    contract: appStore,
    load: async () => (await import('./app-store/source.js')).appStoreSource,
  },
  {
    contract: clevertap,
    load: async () => (await import('./clevertap/source.js')).clevertapSource,
  },
  {
    contract: httpExport,
    load: async () => (await import('./http-export/source.js')).httpExportSource,
  },
];

export function findSource(name: string): SourceEntry | undefined {
  return sources.find((source) => source.contract.source === name);
}
