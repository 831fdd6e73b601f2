import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page, Locator } from 'playwright-core';
import { runCli, PVE_RUNBOOKS, START_WORKFLOW, waitFor } from '../helpers/cli';
import { browserTestSkip, launchChromium, newLoopbackContext } from '../helpers/browser';
import type { RunbookName } from '../../common/constants';

/** The runbook this test runs on the lab and then finds in the Web UI. */
const RUNBOOK: RunbookName = 'createCluster';

const CLUSTER = 'lab';
const NODES = 3;
/** An activity summary each runbook shows in the run's timeline (the `summary` its workflow gives the activity). */
const ACTIVITY_SUMMARY: Partial<Record<RunbookName, string>> = {
  testConnectivity: 'install controller key on pve1',
  createCluster: `pvecm create ${CLUSTER} on pve1`,
  destroyCluster: 'discover pve1',
  clusterHealth: 'health of pve1',
};
/** Per-step budget for the SPA to show something; the whole test stays well under a minute. */
const UI_WAIT_MS = 15_000;

/** Opens the workflows list with a visibility query until the run's link shows (visibility can lag a moment). */
async function findInList(page: Page, url: string, workflowId: string): Promise<Locator> {
  const deadline = Date.now() + 2 * UI_WAIT_MS;
  for (;;) {
    await page.goto(url);
    const link = page.getByRole('link', { name: workflowId, exact: true });
    try {
      await link.waitFor({ state: 'visible', timeout: 5_000 });
      return link;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${workflowId} never showed in the workflows list at ${url}: ${(err as Error).message}`);
    }
  }
}

describe('the Web UI of a lab shows a runbook run: found by cluster, with its current details and activity summaries', { skip: browserTestSkip() }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-browser-'));
  const stateDir = path.join(dir, 'state');
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-browser-shots-'));
  let lab: ChildProcess | undefined;
  let labOutput = '';
  let browserReady: Promise<Browser> | undefined;

  after(async () => {
    // Close the browser even when the test failed before using it, or chromium keeps the runner alive.
    await browserReady?.then((b) => b.close()).catch(() => undefined);
    if (lab && lab.exitCode === null && lab.signalCode === null) {
      const exited = new Promise<void>((resolve) => lab!.once('exit', () => resolve()));
      lab.kill('SIGTERM');
      const timer = setTimeout(() => lab!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test(`${RUNBOOK} on cluster ${CLUSTER}: list query ClusterName="${CLUSTER}", run page, current details, timeline`, { timeout: 90_000 }, async (t) => {
    const expectedSummary = ACTIVITY_SUMMARY[RUNBOOK];
    assert.ok(expectedSummary, `add the activity summary ${RUNBOOK} shows in its timeline to ACTIVITY_SUMMARY`);
    t.diagnostic(`screenshots: ${shots}`);
    console.log(`browser test screenshots: ${shots}`);

    lab = spawn(process.execPath, [PVE_RUNBOOKS, 'lab', 'up', '--nodes', String(NODES), '--cluster-only', '--time-scale', '20', '--state-dir', stateDir, '--port', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TEMPORAL_ADDRESS: '' },
    });
    lab.stdout!.on('data', (d) => (labOutput += d));
    lab.stderr!.on('data', (d) => (labOutput += d));
    // Launch the browser while the lab starts.
    browserReady = launchChromium();
    browserReady.catch(() => undefined);
    const labJson = path.join(stateDir, 'lab.json');
    const state = await waitFor('lab.json', () => {
      if (lab!.exitCode !== null) throw new Error(`lab up exited with ${lab!.exitCode}:\n${labOutput}`);
      return fs.existsSync(labJson) ? (JSON.parse(fs.readFileSync(labJson, 'utf8')) as { uiUrl: string; inventory: string }) : undefined;
    });
    await waitFor('the lab banner', () => (labOutput.includes('Ctrl-C stops everything') ? true : undefined));

    // A run for another cluster, which the ClusterName query must leave out.
    const otherInventory = path.join(dir, 'other.yaml');
    const inventoryText = fs.readFileSync(state.inventory, 'utf8');
    assert.match(inventoryText, new RegExp(`^  name: ${CLUSTER}$`, 'm'));
    fs.writeFileSync(otherInventory, inventoryText.replace(new RegExp(`^  name: ${CLUSTER}$`, 'm'), '  name: other'));
    const decoy = await runCli(START_WORKFLOW, ['testConnectivity', '-i', otherInventory, '--wait', '--json', '--state-dir', stateDir], {}, dir);
    assert.equal(decoy.code, 0, decoy.stderr);

    const run = await runCli(START_WORKFLOW, [RUNBOOK, '-i', state.inventory, '--wait', '--json', '--state-dir', stateDir], {}, dir);
    assert.equal(run.code, 0, `${RUNBOOK} failed on the lab: ${run.stderr}`);
    const workflowId = `${RUNBOOK}-${CLUSTER}`;

    const browser = await browserReady;
    const context = await newLoopbackContext(browser);
    context.setDefaultTimeout(UI_WAIT_MS);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    try {
      // The list, searched by cluster: the run is there, the other cluster's run is not.
      const listUrl = `${state.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`ClusterName="${CLUSTER}"`)}`;
      const link = await findInList(page, listUrl, workflowId);
      assert.equal(await page.getByRole('link', { name: 'testConnectivity-other', exact: true }).count(), 0, 'the query leaves out other clusters');
      await page.screenshot({ path: path.join(shots, '1-list.png') });

      // The run's page.
      await link.click();
      await page.waitForURL(new RegExp(`/namespaces/default/workflows/${workflowId}/[0-9a-f-]+/`));
      await page.getByRole('heading', { name: workflowId }).waitFor();

      // Current details (markdown set by the workflow, rendered in a frame under "Current Details").
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      const heading = page.getByRole('heading', { name: 'Current Details', exact: true });
      await heading.waitFor();
      const details = heading.locator('xpath=ancestor::*[.//iframe][1]').locator('iframe').first().contentFrame();
      const phaseLine = details.getByText(/phase:/);
      await phaseLine.waitFor();
      const detailsText = await details.locator('body').innerText();
      assert.match(detailsText, new RegExp(`${RUNBOOK}\\s+on cluster\\s+${CLUSTER}\\s+—\\s+phase:\\s+\\S+`), detailsText);
      for (let i = 1; i <= NODES; i++) assert.match(detailsText, new RegExp(`\\bpve${i}\\b`), `node pve${i} in the current details: ${detailsText}`);
      // The run's static summary, set by start-workflow, beside them.
      const summaryHeading = page.getByRole('heading', { name: 'Summary', exact: true });
      const staticSummary = summaryHeading.locator('xpath=ancestor::*[.//iframe][1]').locator('iframe').first().contentFrame();
      await staticSummary.getByText(`${RUNBOOK} on cluster ${CLUSTER} (${NODES} nodes)`).waitFor();
      await page.screenshot({ path: path.join(shots, '2-current-details.png') });

      // An activity summary in the run's timeline.
      await page.getByRole('tab', { name: 'Timeline' }).click();
      await page.waitForURL(/\/timeline/);
      const summary = page.getByText(expectedSummary).first();
      await summary.waitFor();
      await summary.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shots, '3-timeline.png') });
      t.diagnostic(`current details: ${detailsText.replace(/\s+/g, ' ').trim()}`);
    } catch (err) {
      await page.screenshot({ path: path.join(shots, 'failure.png') }).catch(() => undefined);
      throw new Error(`${(err as Error).message}\n(page at ${page.url()}; screenshot ${path.join(shots, 'failure.png')}${pageErrors.length ? `; page errors: ${pageErrors.join(' | ')}` : ''})`, { cause: err });
    }
  });
});
