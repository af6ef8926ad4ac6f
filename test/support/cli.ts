/** Runs the `extract` CLI for tests: in-process (fast) or as a real child process. */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { main } from '../../extractors/cli.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `main` in this process, its output captured instead of written. */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, env, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The CLI in its own process, as the container runs it; nothing registered in this process helps. */
export async function runCliProcess(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<CliRun> {
  const result = await execa(
    path.join(ROOT, 'node_modules/.bin/tsx'),
    ['extractors/cli.ts', ...argv],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NODE_OPTIONS: process.env.NODE_OPTIONS, ...env },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    },
  );
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A TypeScript entry point run the way `npm run` runs the long-running commands: one node process
 * with tsx as a loader (`node --import tsx`). A signal a test sends then reaches the CLI's own
 * handlers. (The `tsx` binary is a relaying parent that SIGKILLs its child when the child's event
 * loop does not acknowledge a signal within ~60 ms, which a busy CI machine turns into exit 130.)
 */
export function nodeTsx(script: string, args: readonly string[] = []): [string, string[]] {
  return [
    process.execPath,
    [
      '--import',
      pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
      path.resolve(ROOT, script),
      ...args,
    ],
  ];
}
