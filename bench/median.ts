/** The median of a benchmark's repeated runs (the upper middle one of an even count): one run
 *  on this shared 2-core machine varies by up to a third, so figures are medians. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}
