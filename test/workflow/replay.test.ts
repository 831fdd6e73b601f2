import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { History } from '@temporalio/common/lib/proto-utils';
import { installTestRuntime, projectRoot } from '../helpers/temporal';
import { historyFromJson } from '../helpers/historyJson';
import { RECORDED_ROOT_PASSWORD, findSecrets, forms } from '../helpers/historySecrets';
import { bundleWorkflows, quietBundlerLogger } from '../../worker/worker';
import { RUNBOOKS } from '../../common/constants';

// The JSON files stay in the source tree (dist/ only gets the compiled code).
const HISTORIES = path.join(projectRoot(), 'test', 'histories');
/** clusterHealth as it ran before its Ceph read existed: frozen, `npm run histories` never rewrites it. */
const BEFORE_CEPH_STATUS = 'clusterHealth-before-ceph-status.json';

interface Recorded {
  file: string;
  json: string;
  history: History;
  workflowType: string;
}

function loadHistories(): Recorded[] {
  return fs
    .readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const json = fs.readFileSync(path.join(HISTORIES, file), 'utf8');
      const history = historyFromJson(JSON.parse(json));
      const workflowType = history.events![0].workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
      return { file, json, history, workflowType };
    });
}

describe('recorded runbook histories (test/histories) against the current workflow code', () => {
  const recorded = loadHistories();
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    installTestRuntime();
    bundle = await bundleWorkflows();
  });

  test('there is a recorded history of every runbook', () => {
    const types = new Set(recorded.map((r) => r.workflowType));
    assert.deepEqual(RUNBOOKS.filter((r) => !types.has(r)), [], `recorded: ${recorded.map((r) => `${r.file} (${r.workflowType})`).join(', ')}`);
    assert.ok(recorded.some((r) => r.file === BEFORE_CEPH_STATUS), `${BEFORE_CEPH_STATUS} is kept`);
  });

  test('every recorded history replays without a determinism violation', async () => {
    const failures: string[] = [];
    let replayed = 0;
    // A history does not carry its workflow id, and no runbook's commands depend on it: the file names the result.
    const histories = recorded.map((r) => ({ workflowId: r.file, history: r.history }));
    for await (const r of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'recorded-histories' }, histories)) {
      replayed++;
      if (r.error) failures.push(`${r.workflowId}: ${r.error.name}: ${r.error.message}`);
    }
    assert.equal(replayed, recorded.length);
    assert.deepEqual(failures, []);
  });

  test('the Ceph read of clusterHealth needs its patched() guard: without it, a run from before it no longer replays', async () => {
    const unpatched = await bundleWorkflowCode({ workflowsPath: require.resolve('../helpers/workflows/unpatchedClusterHealth'), logger: quietBundlerLogger });
    const before = recorded.find((r) => r.file === BEFORE_CEPH_STATUS)!;
    await assert.rejects(Worker.runReplayHistory({ workflowBundle: unpatched, replayName: 'unpatched-cluster-health' }, before.history), (err: Error) => {
      assert.ok(err instanceof DeterminismViolationError, `${err.name}: ${err.message}`);
      assert.match(err.message, /Nondeterminism error/);
      return true;
    });
  });

  test('the secret scan sees through base64: a password inside a payload, or base64-encoded inside a text, is found', () => {
    const payload = Buffer.from(JSON.stringify({ node: { password: { inline: RECORDED_ROOT_PASSWORD } } })).toString('base64');
    const json = JSON.stringify({ events: [{ input: { payloads: [{ data: payload }] } }, { note: `token ${Buffer.from(`ab${RECORDED_ROOT_PASSWORD}`).toString('base64')}` }] });
    const found = findSecrets(json, forms('root password', RECORDED_ROOT_PASSWORD));
    assert.ok(found.includes('root password at $.events[0].input.payloads[0].data (decoded JSON).node.password.inline'), found.join('\n'));
    assert.ok(found.includes('root password (base64) at $.events[1].note'), found.join('\n'));
  });

  test('no recorded history holds the root password the lab was recorded with', () => {
    const found = recorded.flatMap((r) => findSecrets(r.json, forms('root password', RECORDED_ROOT_PASSWORD)).map((w) => `${r.file}: ${w}`));
    assert.deepEqual(found, []);
  });
});
