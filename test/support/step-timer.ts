/** Wall-clock seconds per named step of a long test set-up, for its log line (never asserted). */
export function stepTimer(): {
  timings: Record<string, number>;
  timed: <T>(name: string, step: () => Promise<T>) => Promise<T>;
} {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await step();
    } finally {
      timings[name] = Math.round(performance.now() - started) / 1000;
    }
  };
  return { timings, timed };
}
