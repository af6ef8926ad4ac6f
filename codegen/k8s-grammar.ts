/**
 * Kubernetes' own value grammars, for the `kubernetes:` settings of _project.yaml: resource
 * quantities (k8s.io/apimachinery/pkg/api/resource, quantity.go) and object / label names
 * (k8s.io/apimachinery/pkg/util/validation, validation.go). The API server rejects a pod that
 * breaks them only when the task runs; checking them here reports the mistake at its line.
 * Each `…Problem` function returns null for a valid value, else what is wrong.
 */

/**
 * `<signedNumber><suffix>`: number `12`, `1.5`, `.5`, `5.`; suffix binary SI (Ki … Ei), decimal
 * SI (m, k, M, G, T, P, E) or a decimal exponent (`e3`, `E-2`). Binary suffixes come first in the
 * alternation so `Mi` is not read as `M` + garbage; `E` alone is exa, `E3` an exponent.
 */
export const QUANTITY_PATTERN =
  /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|m|k|M|G|T|P|E)?$/;

const BINARY_SUFFIXES: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/**
 * The value of a quantity in base units (bytes, cores), or null if it is not one. A double: exact
 * enough to compare a request with its limit (both are small multiples of their suffixes).
 */
export function quantityValue(text: string): number | null {
  const match = QUANTITY_PATTERN.exec(text);
  if (match === null) return null;
  const [, sign = '', number = '', suffix = ''] = match;
  let factor = 1;
  if (suffix in BINARY_SUFFIXES) factor = BINARY_SUFFIXES[suffix] ?? 1;
  else if (suffix in DECIMAL_SUFFIXES) factor = DECIMAL_SUFFIXES[suffix] ?? 1;
  else if (suffix !== '') factor = 10 ** Number(suffix.slice(1));
  const value = Number(number) * factor;
  return sign === '-' ? -value : value;
}

/** A resource request or limit: a quantity, not negative. */
export function resourceQuantityProblem(text: string): string | null {
  const value = quantityValue(text);
  if (value === null)
    return `'${text}' is not a Kubernetes quantity (e.g. '500m' or '0.5' CPU, '512Mi' or '1Gi' memory)`;
  if (value < 0) return `'${text}' is negative`;
  return null;
}

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name part of a label key, and a non-empty label value. */
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** A key of a Secret's data (IsConfigMapKey). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** A namespace (and other DNS-1123 label names): lower case, digits, '-', at most 63. */
export function dnsLabelProblem(text: string): string | null {
  if (text.length > 63) return `'${text}' is longer than 63 characters`;
  return DNS1123_LABEL.test(text)
    ? null
    : `'${text}' is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`;
}

/** Service accounts, Secrets, image pull secrets: DNS-1123 subdomains, at most 253. */
export function dnsSubdomainProblem(text: string): string | null {
  if (text.length > 253) return `'${text}' is longer than 253 characters`;
  return DNS1123_SUBDOMAIN.test(text)
    ? null
    : `'${text}' is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit)`;
}

/** `[prefix/]name`: the prefix a DNS-1123 subdomain, the name at most 63 of [A-Za-z0-9-_.]. */
export function labelKeyProblem(text: string): string | null {
  const slash = text.lastIndexOf('/');
  const prefix = slash < 0 ? null : text.slice(0, slash);
  const name = slash < 0 ? text : text.slice(slash + 1);
  if (prefix !== null) {
    const problem = prefix === '' ? 'the prefix is empty' : dnsSubdomainProblem(prefix);
    if (problem !== null) return `label key '${text}': ${problem}`;
  }
  if (name.length > 63) return `label key '${text}': the name is longer than 63 characters`;
  return QUALIFIED_NAME.test(name)
    ? null
    : `label key '${text}': the name must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
}

/** Empty, or at most 63 of [A-Za-z0-9-_.] starting and ending with a letter or digit. */
export function labelValueProblem(text: string): string | null {
  if (text === '') return null;
  if (text.length > 63) return `label value '${text}' is longer than 63 characters`;
  return QUALIFIED_NAME.test(text)
    ? null
    : `label value '${text}' must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
}

export function secretKeyProblem(text: string): string | null {
  if (text.length > 253) return `'${text}' is longer than 253 characters`;
  if (text === '.' || text === '..' || !SECRET_KEY.test(text))
    return `'${text}' is not a Secret key (letters, digits, '-', '_' and '.'; not '.' or '..')`;
  return null;
}
