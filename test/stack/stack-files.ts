import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../support/repo-root.js';

/** Readers for the stack's files, shared by the static checks in test/stack/. */

export { repoRoot };
export const composePath = path.join(repoRoot, 'docker-compose.yml');

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  container_name?: string;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  group_add?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string | string[] };
  restart?: string;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, { name?: string }>;
}

export function readYaml<T>(file: string): T {
  // merge: compose files share settings through `<<: *anchor`.
  return parse(fs.readFileSync(file, 'utf8'), { merge: true }) as T;
}

export function loadCompose(): ComposeFile {
  return readYaml<ComposeFile>(composePath);
}

/** Images compose builds (the `image` tag of a service with `build`) or pulls. */
export function composeImages(compose: ComposeFile): Set<string> {
  return new Set(
    Object.values(compose.services)
      .map((service) => service.image)
      .filter((image): image is string => image !== undefined),
  );
}

/** The secret values older versions shipped in .env.example: the stack refuses each of them. */
export const SHIPPED_DEFAULT_SECRETS = [
  'admin',
  'airflow',
  'pipeline-local',
  'adtech-local',
  'local-only-jwt-secret-change-me',
  'local-only-api-secret-change-me',
  'local-only-superset-secret-change-me',
] as const;
