import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LabEnv } from '../helpers/labEnv';
import { fingerprint } from '../../activities/ssh/knownHosts';
import type { ConnectivityReport } from '../../workflows/testConnectivity';

/**
 * Trust on first use holds from one run to the next: a node that comes back with another host key
 * (reinstalled, or something in the way) is refused at the handshake, permanently, with what to
 * do; the other nodes go on; once the operator removes the stale line, the new key is pinned.
 */
describe('a node whose SSH host key changed between runs', () => {
  let e: LabEnv;
  before(async () => {
    e = await LabEnv.start({ nodes: 3, timeScale: 20 });
  });
  after(async () => {
    await e?.stop();
  });

  test('is refused with its name and what to do, nothing runs on it, the others are unaffected; accepted again once its line is removed', async () => {
    const inv = e.inventory('hostkeys');
    const first = await e.execute<ConnectivityReport>('testConnectivity', 'hostkeys-first', { inventory: inv });
    assert.equal(first.ok, true, first.summary);
    const knownHosts = path.join(e.home, 'known_hosts');
    const pve2 = e.lab.node('pve2');
    const line = `[127.0.0.1]:${pve2.port} `;
    const pinnedKey = () => fs.readFileSync(knownHosts, 'utf8').split('\n').filter((l) => l.startsWith(line));
    assert.equal(pinnedKey().length, 1, 'pinned on first use');
    const pinned = pve2.hostKeyFingerprint;

    // Reinstalled: powered off, a new host key, powered on (the worker's pooled connection went with the power).
    await pve2.powerOff();
    const fresh = await pve2.regenerateHostKey();
    await pve2.powerOn();
    assert.notEqual(fresh, pinned);
    assert.equal(pve2.hostKeyFingerprint, fresh);
    const mark = e.lab.log.entries().length;

    const second = await e.execute<ConnectivityReport>('testConnectivity', 'hostkeys-second', { inventory: inv });
    const byName = Object.fromEntries(second.nodes.map((n) => [n.name, n]));
    assert.equal(second.ok, false);
    assert.match(second.summary, /failed: pve2$/);
    const refused = byName.pve2!;
    assert.equal(refused.ok, false);
    assert.deepEqual(refused.problems.map((p) => [p.step, p.type]), [['install-key', 'SshHostKeyChanged']]);
    const message = refused.problems[0]!.message;
    // The fingerprint presented is the new key's: pve2 answered, and its key was refused.
    assert.ok(message.startsWith(`pve2 (root@127.0.0.1:${pve2.port}) presented host key ssh-ed25519 ${fresh}, but ssh-ed25519 ${pinned} is pinned in ${knownHosts}. `), message);
    assert.match(message, /reinstalled \(then remove its line from that file and run again\) or something is intercepting the connection \(then stop and investigate\)/);
    for (const n of ['pve1', 'pve3']) assert.equal(byName[n]!.ok, true, `${n}: ${JSON.stringify(byName[n]!.problems)}`);

    const since = e.lab.log.entries().slice(mark);
    assert.deepEqual(since.filter((x) => x.node === 'pve2').map((x) => x.command), [], 'nothing ran on pve2');
    assert.ok(since.some((x) => x.node === 'pve1' && x.via === 'ssh') && since.some((x) => x.node === 'pve3' && x.via === 'ssh'), 'the others were reached');
    assert.equal(pinnedKey().length, 1, 'the pinned key was not replaced');

    // Permanent: one attempt, not retried.
    const history = await e.env.client.workflow.getHandle('hostkeys-second').fetchHistory();
    const failures = (history.events ?? []).flatMap((ev) => ev.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo ?? []);
    assert.deepEqual(failures.map((f) => [f.type, f.nonRetryable]), [['SshHostKeyChanged', true]], 'one attempt, failed for good');

    // What the message says to do, after checking the server was really reinstalled.
    fs.writeFileSync(knownHosts, fs.readFileSync(knownHosts, 'utf8').split('\n').filter((l) => !l.startsWith(line)).join('\n'));
    const third = await e.execute<ConnectivityReport>('testConnectivity', 'hostkeys-third', { inventory: inv });
    assert.equal(third.ok, true, third.summary);
    const [repinned] = pinnedKey();
    assert.equal(fingerprint(Buffer.from(repinned!.split(' ')[2]!, 'base64')), fresh, 'the new key is pinned');
  });
});
