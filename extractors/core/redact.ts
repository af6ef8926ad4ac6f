/**
 * Scrubs secrets from text that may reach logs or error messages: credentials and query strings
 * in URLs, bearer tokens, `password=…`/`token=…` pairs, well-known token shapes, values of
 * registered secrets, and very long payloads.
 */

const MAX_LENGTH = 2_000;
const MASK = '***';

/** Secret values known at run time (passwords from env); replaced wherever they appear. */
const knownSecrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  // Very short values would mask ordinary words; such secrets are caught by the patterns.
  if (value && value.length >= 4) knownSecrets.add(value);
}

const patterns: ReadonlyArray<[RegExp, string]> = [
  // scheme://user:password@host → scheme://user:***@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]*@/gi, `$1:${MASK}@`],
  // URL query strings may carry access_token, key, signature…
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s?#]+)\?[^\s#"']*/gi, `$1?${MASK}`],
  [/\b(bearer|basic)\s+[a-z0-9._~+/=-]+/gi, `$1 ${MASK}`],
  [
    /\b(password|passwd|pwd|secret|token|access_token|refresh_token|client_secret|api_key|apikey|developer_token|authorization)(["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi,
    `$1$2${MASK}`,
  ],
  // Facebook (EAA…) and Google (ya29.…) access tokens, Google API keys (AIza…).
  [/\bEAA[a-zA-Z0-9]{20,}/g, MASK],
  [/\bya29\.[a-zA-Z0-9._-]+/g, MASK],
  [/\bAIza[0-9A-Za-z_-]{30,}/g, MASK],
];

export function redact(text: string, maxLength: number = MAX_LENGTH): string {
  let out = text;
  for (const secret of knownSecrets) out = out.split(secret).join(MASK);
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  if (out.length > maxLength) {
    out = `${out.slice(0, maxLength)}… [truncated ${out.length - maxLength} chars]`;
  }
  return out;
}
