/**
 * Per-host settings for the axios instance an SDK package resolves (facebook-nodejs-business-sdk
 * calls the default instance of the CommonJS axios; our Google Ads searchStream reader posts
 * through the instance google-ads-api resolves): a request timeout, so a hung connection becomes
 * a retryable error instead of a stalled run, and optionally another base URL (the Google Ads
 * host is fixed).
 */
import { createRequire } from 'node:module';
import type { AxiosStatic } from 'axios';

/**
 * The axios `sdkPackage` itself requires. An ESM `import axios` would be a different module
 * instance whose interceptors the SDK never sees.
 */
export function axiosOf(sdkPackage: string): AxiosStatic {
  const sdkRequire = createRequire(createRequire(import.meta.url).resolve(sdkPackage));
  return sdkRequire('axios') as AxiosStatic;
}

/** Interceptor id per host, so configuring a host again replaces its settings. */
const installed = new Map<string, number>();

export function configureHost(
  axios: AxiosStatic,
  host: string,
  settings: { readonly timeoutMs: number; readonly baseUrl?: string },
): void {
  const previous = installed.get(host);
  if (previous !== undefined) axios.interceptors.request.eject(previous);
  const target = settings.baseUrl?.replace(/\/+$/, '');
  const id = axios.interceptors.request.use((config) => {
    if (!config.url?.startsWith(host)) return config;
    if (target) config.url = target + config.url.slice(host.length);
    config.timeout = settings.timeoutMs;
    return config;
  });
  installed.set(host, id);
}
