/**
 * The source registry: every `extract <source>` sub-command. To add a source, create
 * `extractors/<source>/` (contract.ts, config + streams in source.ts, its API client in its own
 * module) and append its definition here.
 */
import type { AnySource } from './core/source.js';
import { facebookAdsSource } from './facebook-ads/source.js';
import { googleAdsSource } from './google-ads/source.js';
import { googleAnalyticsSource } from './google-analytics/source.js';
import { postgresSource } from './postgres/source.js';

export const sources: readonly AnySource[] = [
  postgresSource,
  facebookAdsSource,
  googleAdsSource,
  googleAnalyticsSource,
];

export function findSource(name: string): AnySource | undefined {
  return sources.find((source) => source.contract.source === name);
}
