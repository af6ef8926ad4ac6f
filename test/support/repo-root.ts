import path from 'node:path';

/** The repository's root folder, for tests that read its files or run its CLIs wherever they sit. */
export const repoRoot = path.resolve(import.meta.dirname, '../..');
