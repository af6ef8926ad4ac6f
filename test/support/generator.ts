/** Arguments for the OLTP generator CLI (`generate …`) in tests. */

export interface BatchSize {
  readonly advertisers: number;
  /** Per advertiser. */
  readonly campaigns: number;
  /** Per campaign. */
  readonly impressions: number;
  readonly ctr: number;
  readonly seed?: number;
}

/** `batch --advertisers … --campaigns … --impressions … --ctr … [--seed …]` */
export function batchArgs(size: BatchSize): string[] {
  const args = [
    'batch',
    '--advertisers',
    String(size.advertisers),
    '--campaigns',
    String(size.campaigns),
    '--impressions',
    String(size.impressions),
    '--ctr',
    String(size.ctr),
  ];
  return size.seed === undefined ? args : [...args, '--seed', String(size.seed)];
}
