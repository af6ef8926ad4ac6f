/**
 * vitest global setup: the Python tools the tests drive (real dbt, and clickhouse-connect beside
 * it) are installed from their locks once, before any test file starts. A machine that cannot
 * install them fails the run here, with the reason; nothing is skipped.
 */
import { ensurePythonTool, PYTHON_TOOL_NAMES } from '../../python/tools.js';

export default async function setup(): Promise<void> {
  for (const tool of PYTHON_TOOL_NAMES) await ensurePythonTool(tool);
}
