import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHaSimLog } from '../../activities/parsers';
import { defaultSlo } from '../../common/drill/slo';
import { fixture } from '../helpers/fixtures';

/** Seconds from the node's loss to its service in `recovery` and started by the new node's LRM, in PVE's own simulator logs. */
function simulatorFigures(file: string, vm: string): { recovery: number; started: number } {
  const log = parseHaSimLog(fixture(file));
  const cut = log.events.find((e) => e.service === 'cmdlist' && /execute network node\d off/.test(e.message))!.time;
  const recovery = log.events.find((e) => e.message === `service '${vm}': state changed from 'fence' to 'recovery'`)!.time;
  const started = log.events.find((e) => e.service === 'lrm' && e.message === `service status ${vm} started` && e.time > recovery)!.time;
  return { recovery: recovery - cut, started: started - cut };
}

test("the default SLOs hold PVE's own failover figures, with the master's loss allowed its extra fence delay", () => {
  const plain = simulatorFigures('ha-sim-log.node-network-loss.fence-and-recover.txt', 'vm:103');
  assert.deepEqual(plain, { recovery: 120, started: 123 });
  assert.ok(plain.recovery <= defaultSlo(false).recoverySeconds && plain.started <= defaultSlo(false).startedSeconds);
  const master = simulatorFigures('ha-sim-log.master-node-loss.fence-recover-failback.txt', 'vm:101');
  assert.deepEqual(master, { recovery: 162, started: 181 });
  assert.ok(master.recovery > defaultSlo(false).recoverySeconds, 'a master loss would fail the plain SLO');
  assert.ok(master.recovery <= defaultSlo(true).recoverySeconds && master.started <= defaultSlo(true).startedSeconds);
  assert.deepEqual(defaultSlo(false), { recoverySeconds: 140, startedSeconds: 180 });
  assert.deepEqual(defaultSlo(true), { recoverySeconds: 200, startedSeconds: 240 });
});
