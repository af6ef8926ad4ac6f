/**
 * The GA4 stream: one daily report per property with the configured dimensions and metrics,
 * read in date chunks. `date` is always a dimension and its own column; the other dimension
 * values form part of the key (as canonical JSON), metrics are stored by name in a map.
 *
 * Each runReport page is written as it comes (`--page-size` bounds the rows in memory); a chunk's
 * state moves after its last page.
 */
import { dailyStream } from '../../ad-platforms/daily-stream.js';
import type { WindowState } from '../../ad-platforms/window.js';
import { addDays } from '../../core/dates.js';
import type { StreamDefinition } from '../../core/source.js';
import { gaDate } from '../client.js';
import type { AnalyticsConfig } from '../config.js';
import type { AnalyticsSession } from '../session.js';

type Row = Record<string, unknown>;

const reportColumns = {
  property_id: 'String',
  property_currency: 'LowCardinality(String)',
  property_timezone: 'LowCardinality(String)',
  date: 'Date32',
  dimensions: 'String',
  dimension_values: 'String',
  metrics: 'Map(String, Float64)',
} as const;

export function dailyReportStream(
  config: AnalyticsConfig,
): StreamDefinition<AnalyticsSession, WindowState, Row> {
  return dailyStream({
    name: 'daily_report',
    table: 'raw.google_analytics_daily_report',
    key: ['property_id', 'dimensions', 'dimension_values', 'date'],
    columns: reportColumns,
    window: config.window,
    chunkDays: config.chunkDays,
    timezone: (session) => session.timezone,
    async *readChunk({ session, chunk }) {
      const pages = session.client.reportPages({
        propertyId: session.propertyId,
        since: chunk.since,
        untilInclusive: addDays(chunk.until, -1),
        dimensions: ['date', ...config.dimensions],
        metrics: config.metrics,
      });
      for await (const page of pages) {
        const rows = page.rows.map((row) => ({
          property_id: session.propertyId,
          property_currency: page.currency || session.currency,
          property_timezone: page.timezone || session.timezone,
          date: gaDate(row.dimensions.date ?? ''),
          dimensions: config.dimensions.join(','),
          dimension_values: JSON.stringify(
            Object.fromEntries(config.dimensions.map((d) => [d, row.dimensions[d] ?? ''])),
          ),
          metrics: row.metrics,
        }));
        yield { rows, complete: page.complete };
      }
    },
  });
}
