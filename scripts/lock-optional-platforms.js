'use strict';
// The registry this project installs from serves only the Linux builds of @swc/core (the
// Temporal workflow bundler's compiler); npm then leaves the other platforms' optional packages
// out of package-lock.json, and `npm ci` refuses the lock as out of sync. Recording them as
// optional entries for their own os/cpu lets `npm ci` skip them without fetching anything.
// Run after any change to the lock: `node scripts/lock-optional-platforms.js`.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const lockFile = path.join(root, 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
const platforms = {
  'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'linux-arm-gnueabihf': { os: ['linux'], cpu: ['arm'] },
  'linux-ppc64-gnu': { os: ['linux'], cpu: ['ppc64'] },
  'linux-s390x-gnu': { os: ['linux'], cpu: ['s390x'] },
  'win32-arm64-msvc': { os: ['win32'], cpu: ['arm64'] },
  'win32-ia32-msvc': { os: ['win32'], cpu: ['ia32'] },
  'win32-x64-msvc': { os: ['win32'], cpu: ['x64'] },
};
const core = lock.packages['node_modules/@swc/core'];
if (!core) throw new Error('@swc/core is not in package-lock.json');
let added = 0;
for (const [name, spec] of Object.entries(core.optionalDependencies || {})) {
  const key = `node_modules/${name}`;
  const platform = platforms[name.replace('@swc/core-', '')];
  if (lock.packages[key] || !platform) continue;
  lock.packages[key] = { version: spec, ...platform, license: 'Apache-2.0 AND MIT', optional: true, engines: { node: '>=10' } };
  added++;
}
const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
fs.writeFileSync(lockFile, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${added} optional platform entr${added === 1 ? 'y' : 'ies'} recorded`);
