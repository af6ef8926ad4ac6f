// Hermetic tests: any TCP connection or DNS lookup that leaves the loopback range fails.
// Loaded by vitest's setup file for test workers and through NODE_OPTIONS=--import for every
// child process a test starts (extractor CLIs, the generator, the demo), so spawned code is
// guarded as well. Unix sockets are allowed: they never leave the machine.
import dns from 'node:dns';
import net from 'node:net';

const violations = [];
globalThis.__networkGuardViolations = violations;

function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true; // defaults to localhost
  const h = String(host)
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(h)) return true;
  if (/^::ffff:127\.\d+\.\d+\.\d+$/.test(h)) return true;
  return false;
}

function block(kind, target) {
  const message = `network guard: ${kind} to non-loopback address "${target}" is not allowed in tests`;
  violations.push(message);
  process.stderr.write(`${message}\n`);
  const error = new Error(message);
  error.code = 'ENETUNREACH_GUARD';
  return error;
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  let options = args[0];
  // net.connect() hands over its normalized [options, callback] array.
  if (Array.isArray(options)) options = options[0];
  let host;
  let path;
  if (typeof options === 'object' && options !== null) {
    host = options.host;
    path = options.path;
  } else if (
    typeof options === 'number' ||
    (typeof options === 'string' && /^\d+$/.test(options))
  ) {
    host = typeof args[1] === 'string' ? args[1] : undefined;
  } else if (typeof options === 'string') {
    path = options;
  }
  if (path === undefined && !isLoopback(host)) {
    const error = block('connection', host);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return originalConnect.apply(this, args);
};

function guardLookup(original, isPromise) {
  return function guardedLookup(hostname, ...rest) {
    if (!isLoopback(hostname)) {
      const error = block('DNS lookup', hostname);
      if (isPromise) return Promise.reject(error);
      const callback = rest.find((arg) => typeof arg === 'function');
      if (callback) process.nextTick(() => callback(error));
      return undefined;
    }
    return original.call(this, hostname, ...rest);
  };
}

dns.lookup = guardLookup(dns.lookup, false);
dns.promises.lookup = guardLookup(dns.promises.lookup, true);
for (const name of [
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCname',
  'resolveSrv',
  'resolveTxt',
]) {
  if (typeof dns[name] === 'function') dns[name] = guardLookup(dns[name], false);
  if (typeof dns.promises[name] === 'function')
    dns.promises[name] = guardLookup(dns.promises[name], true);
}
