/**
 * `npm run python-tools -- [install] [tool …]` installs the project's Python tools from their
 * locks (all of them by default); `lock <tool>` re-resolves one lock from its requirements.in.
 * Exit codes: 0 ok, 1 an install or lock failed, 2 usage.
 */
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

function usage(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const [command = 'install', ...rest] = isPythonToolName(args[0] ?? '')
  ? ['install', ...args]
  : args;
try {
  if (command === 'install') {
    const unknown = rest.filter((name) => !isPythonToolName(name));
    if (unknown.length > 0) usage(`unknown tool(s): ${unknown.join(', ')}`);
    const tools = rest.length > 0 ? (rest as PythonToolName[]) : [...PYTHON_TOOL_NAMES];
    for (const tool of tools) {
      const installed = await ensurePythonTool(tool);
      console.log(`${tool}: ${installed.venv}`);
    }
  } else if (command === 'lock') {
    const [tool, ...extra] = rest;
    if (!tool || extra.length > 0 || !(isPythonToolName(tool) || tool === '_uv')) {
      usage('lock takes exactly one tool name');
    }
    await relockPythonTool(tool);
  } else {
    usage(`unknown command '${command}'`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
