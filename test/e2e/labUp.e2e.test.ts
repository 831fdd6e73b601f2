import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, PVE_RUNBOOKS, START_WORKFLOW, waitFor } from '../helpers/cli';
import type { ConnectivityReport } from '../../workflows/testConnectivity';

describe('pve-runbooks lab up, driven through the CLI as a user would', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-labup-'));
  const stateDir = path.join(dir, 'state');
  let child: ChildProcess | undefined;
  let output = '';
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  test('starts server, UI, twin and worker; writes lab.json and inventory.yaml; runs a runbook; stops cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, [PVE_RUNBOOKS, 'lab', 'up', '--nodes', '2', '--pve', '9', '--state-dir', stateDir, '--port', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TEMPORAL_ADDRESS: '' },
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const labJson = path.join(stateDir, 'lab.json');
    const state = await waitFor('lab.json', () => (fs.existsSync(labJson) ? JSON.parse(fs.readFileSync(labJson, 'utf8')) : undefined));
    assert.deepEqual(Object.keys(state).slice(0, 4), ['temporalAddress', 'uiUrl', 'inventory', 'nodes']);
    assert.match(state.temporalAddress, /^127\.0\.0\.1:\d+$/);
    assert.match(state.uiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(state.inventory, path.join(stateDir, 'inventory.yaml'));
    assert.equal(state.nodes.length, 2);
    for (const n of state.nodes) {
      assert.equal(n.host, '127.0.0.1');
      assert.ok(n.port > 0 && typeof n.password === 'string' && n.password.length >= 8);
    }
    await waitFor('the banner', () => (output.includes('Ctrl-C stops everything') ? true : undefined));
    assert.ok(output.includes(state.uiUrl), 'the Web UI link is printed');

    const ui = await fetch(state.uiUrl);
    assert.equal(ui.status, 200, 'the Web UI answers');

    const check = await runCli(PVE_RUNBOOKS, ['inventory', 'check', '-i', state.inventory, '--json'], {}, dir);
    assert.equal(check.code, 0, check.stderr);
    assert.ok(!check.stdout.includes(state.nodes[0].password), 'inventory check redacts passwords');

    const r = await runCli(START_WORKFLOW, ['testConnectivity', '-i', state.inventory, '--wait', '--json', '--state-dir', stateDir], {}, dir);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as ConnectivityReport;
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.deepEqual(report.nodes.map((n) => n.pveMajor), [9, 9]);

    const off = await runCli(PVE_RUNBOOKS, ['lab', 'power', state.nodes[1].name, 'off', '--state-dir', stateDir], {}, dir);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, `${state.nodes[1].name}: powered off\n`);
    const log = await runCli(PVE_RUNBOOKS, ['lab', 'log', '--node', state.nodes[0].name, '--state-dir', stateDir], {}, dir);
    assert.equal(log.code, 0, log.stderr);
    assert.ok(log.stdout.trim().split('\n').every((l) => JSON.parse(l).node === state.nodes[0].name));

    const ssh = spawnSync('which', ['ssh']);
    if (ssh.status === 0) {
      const key = path.join(state.home, 'id_ed25519');
      const real = spawnSync('ssh', ['-i', key, '-p', String(state.nodes[0].port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', 'root@127.0.0.1', 'pveversion'], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(real.status, 0, real.stderr);
      assert.match(real.stdout, /^pve-manager\/9\./);
    }

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.ok(!fs.existsSync(labJson), 'lab.json removed on stop');
    assert.match(output, /lab stopped/);
  });
});
