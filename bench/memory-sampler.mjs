/**
 * Preloaded into an extractor process by a benchmark (`node --import ./bench/memory-sampler.mjs`):
 * samples the JS heap and RSS every 50 ms and prints the peaks as one JSON line on stderr at
 * exit, so a benchmark can tell the JS heap (ours) from the rest (embedded ClickHouse, code).
 */
const peaks = { heapUsed: 0, rss: 0 };
const sample = () => {
  const usage = process.memoryUsage();
  peaks.heapUsed = Math.max(peaks.heapUsed, usage.heapUsed);
  peaks.rss = Math.max(peaks.rss, usage.rss);
};
setInterval(sample, 50).unref();
process.on('exit', () => {
  sample();
  const mb = (bytes) => Math.round(bytes / 1048576);
  process.stderr.write(
    `${JSON.stringify({ event: 'memory_peaks', heap_used_mb: mb(peaks.heapUsed), rss_mb: mb(peaks.rss) })}\n`,
  );
});
