// `npm run fix-lockfile`, after any `npm install`: chdb names four platform packages as optional
// dependencies, but the registry does not serve all of them, so npm leaves the missing ones out
// of package-lock.json — and `npm ci` then refuses the lock file as out of sync. Naming them in
// the lock (optional, with their os/cpu) lets `npm ci` skip them on other platforms.
import fs from 'node:fs';

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const chdb = lock.packages['node_modules/chdb'];
const platformOf = {
  '@chdb/lib-darwin-arm64': ['darwin', 'arm64'],
  '@chdb/lib-darwin-x64': ['darwin', 'x64'],
  '@chdb/lib-linux-arm64-gnu': ['linux', 'arm64'],
  '@chdb/lib-linux-x64-gnu': ['linux', 'x64'],
};
for (const [name, ver] of Object.entries(chdb.optionalDependencies)) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const base = name.split('/')[1];
  lock.packages[key] = {
    version: ver,
    resolved: `https://registry.npmjs.org/${name}/-/${base}-${ver}.tgz`,
    dev: true,
    optional: true,
    os: [platformOf[name][0]],
    cpu: [platformOf[name][1]],
  };
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a.localeCompare(b),
  ),
);
fs.writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
