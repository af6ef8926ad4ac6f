/**
 * `npm run python-tools -- [install] [tool …]` installs the project's Python tools from their
 * locks (all of them by default); `lock <tool>` re-resolves one lock from its requirements.in.
 * Exit codes (cli/run.ts): 0 ok, 1 an install or lock failed, 2 usage.
 */
import { wantsHelp } from '../cli/args.js';
import { EXIT_OK, isMainModule, runMain, UsageError } from '../cli/run.js';
import {
  ensurePythonTool,
  isPythonToolName,
  PYTHON_TOOL_NAMES,
  type PythonToolName,
  relockPythonTool,
} from './tools.js';

const USAGE = `usage: npm run python-tools -- [install] [${PYTHON_TOOL_NAMES.join('|')} …]
       npm run python-tools -- lock <${PYTHON_TOOL_NAMES.join('|')}|_uv>

install  create or refresh .venvs/<tool> from python/<tool>/requirements.lock (default: all tools)
lock     re-resolve python/<tool>/requirements.lock from requirements.in (needs the package index)`;

export async function main(args: readonly string[]): Promise<number> {
  if (wantsHelp(args)) {
    console.log(USAGE);
    return EXIT_OK;
  }
  const [command = 'install', ...rest] = isPythonToolName(args[0] ?? '')
    ? ['install', ...args]
    : args;
  if (command === 'install') {
    const unknown = rest.filter((name) => !isPythonToolName(name));
    if (unknown.length > 0) throw new UsageError(`unknown tool(s): ${unknown.join(', ')}`);
    const tools = rest.length > 0 ? (rest as PythonToolName[]) : [...PYTHON_TOOL_NAMES];
    for (const tool of tools) {
      const installed = await ensurePythonTool(tool);
      console.log(`${tool}: ${installed.venv}`);
    }
    return EXIT_OK;
  }
  if (command === 'lock') {
    const [tool, ...extra] = rest;
    if (!tool || extra.length > 0 || !(isPythonToolName(tool) || tool === '_uv')) {
      throw new UsageError('lock takes exactly one tool name');
    }
    await relockPythonTool(tool);
    return EXIT_OK;
  }
  throw new UsageError(`unknown command '${command}'`);
}

if (isMainModule(import.meta.url)) runMain('python-tools', main, { usage: USAGE });
