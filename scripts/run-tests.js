#!/usr/bin/env node
'use strict';
// Runs the compiled tests with node's built-in runner:
//   node --test --test-reporter=spec --test-concurrency=2 <files>
// Without arguments: every dist/test/**/*.test.js. Arguments that are not options select files
// (paths, or simple globs such as dist/test/unit/inventory*.test.js, expanded here because Node 20
// does not expand globs itself); options (--test-name-pattern=..., --test-only, ...) are passed on.
// The spec reporter ends with node's summary lines (# tests N, # pass N, # fail N) read by CI.
// Exits with the runner's exit code.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_DIR = path.join(ROOT, 'dist', 'test');

function walk(dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') walk(full, out);
    } else if (e.isFile() && e.name.endsWith('.test.js')) {
      out.push(full);
    }
  }
  return out;
}

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more folders, a bare `**` anything
        if (glob[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** Expands one file argument: an existing file, a folder (all its *.test.js), or a glob. */
function expand(arg) {
  const abs = path.resolve(arg);
  if (fs.existsSync(abs)) {
    return fs.statSync(abs).isDirectory() ? walk(abs, []).sort() : [abs];
  }
  if (!/[*?]/.test(arg)) return [];
  // Walk from the longest folder prefix without wildcards.
  const parts = abs.split(path.sep);
  const firstWild = parts.findIndex((p) => /[*?]/.test(p));
  const base = parts.slice(0, firstWild).join(path.sep) || path.sep;
  const re = globToRegExp(abs.split(path.sep).join('/'));
  const candidates = [];
  (function all(dir) {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') all(full);
      } else if (e.isFile()) {
        candidates.push(full);
      }
    }
  })(base);
  return candidates.filter((f) => re.test(f.split(path.sep).join('/'))).sort();
}

function main() {
  const argv = process.argv.slice(2);
  const options = [];
  const fileArgs = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      fileArgs.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-')) {
      options.push(a);
      // `--opt value` forms of the runner's options that take a value
      if (!a.includes('=') && /^--(test-name-pattern|test-skip-pattern|test-reporter|test-reporter-destination|test-concurrency|test-timeout|test-shard)$/.test(a) && i + 1 < argv.length) {
        options.push(argv[++i]);
      }
    } else {
      fileArgs.push(a);
    }
  }

  let files;
  if (fileArgs.length === 0) {
    files = walk(DEFAULT_DIR, []).sort();
    if (files.length === 0) {
      console.error(`run-tests: no compiled tests (*.test.js) under ${path.relative(process.cwd(), DEFAULT_DIR) || DEFAULT_DIR}; run \`npm run build\` first.`);
      process.exit(1);
    }
  } else {
    files = [];
    for (const arg of fileArgs) {
      const found = expand(arg);
      if (found.length === 0) {
        console.error(`run-tests: no test file matches ${arg}`);
        process.exit(1);
      }
      for (const f of found) if (!files.includes(f)) files.push(f);
    }
  }

  const hasOpt = (name) => options.some((o) => o === name || o.startsWith(`${name}=`));
  const nodeArgs = ['--test'];
  // Node 20's spec reporter closes with "ℹ tests N" lines; CI reads the TAP form ("# tests N"). So
  // unless reporters are chosen on the command line, run spec to the terminal and TAP to a file,
  // and print the TAP summary block at the very end.
  let tapFile;
  if (!hasOpt('--test-reporter') && !hasOpt('--test-reporter-destination')) {
    tapFile = path.join(os.tmpdir(), `pve-runbooks-tests-${process.pid}-${Date.now()}.tap`);
    nodeArgs.push('--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`);
  }
  if (!hasOpt('--test-concurrency')) nodeArgs.push('--test-concurrency=2');
  nodeArgs.push(...options, ...files);

  const child = spawn(process.execPath, nodeArgs, { stdio: 'inherit', cwd: ROOT });
  const forward = (sig) => {
    if (child.exitCode === null) child.kill(sig);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    if (tapFile) {
      printSummary(tapFile);
      fs.rmSync(tapFile, { force: true });
    }
    if (signal) {
      console.error(`run-tests: test runner ended by ${signal}`);
      process.exit(1);
    }
    process.exit(code ?? 1);
  });
}

/** Prints the closing "# tests N / # pass N / # fail N ..." lines of node's TAP output. */
function printSummary(tapFile) {
  let text;
  try {
    text = fs.readFileSync(tapFile, 'utf8');
  } catch {
    console.error('run-tests: the test runner wrote no TAP summary');
    return;
  }
  const summary = [];
  for (const line of text.split('\n')) {
    if (/^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) \S+$/.test(line)) summary.push(line);
  }
  if (summary.length === 0) {
    console.error('run-tests: the test runner wrote no TAP summary');
    return;
  }
  // Only the last block (top level), in case a test printed similar lines.
  const last = summary.slice(-8);
  process.stdout.write(`\n${last.join('\n')}\n`);
}

main();
