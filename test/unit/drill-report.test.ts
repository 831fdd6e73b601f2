import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Browser, Page } from 'playwright-core';
import type { DrillResult } from '../../common/drill/result';
import { drillMarkdown } from '../../common/drill/markdown';
import { TIMELINE, TREND, escapeXml, timelineSvg, trendSvg } from '../../common/drill/svg';
import { DrillReportFiles, drillReportActivities } from '../../activities/drill/report';
import { renderCrashDrill } from '../../client/render/crashDrill';
import { browserTestSkip, launchChromium } from '../helpers/browser';
import { PVE_RUNBOOKS, runCli } from '../helpers/cli';
import { drill, dryRunDrill, skippedDrill } from '../helpers/drillResults';

const pass = drill({ runId: 'run-pass', startedAt: '2026-11-22T10:00:00.000Z' });
const fail = drill({ runId: 'run-fail', startedAt: '2026-11-29T10:00:00.000Z', recovery: 152 });
const skipped = skippedDrill({ runId: 'run-skipped', startedAt: '2026-12-06T03:00:00.000Z' });
const dry = dryRunDrill({ runId: 'run-dry', startedAt: '2026-12-07T09:30:00.000Z' });

const HOSTILE = `</text><script>alert("x")</script> & 'q' \u0000\u001b[31m |pipe| [link](http://evil) *bold* _em_\n# heading`;
const hostile: DrillResult = {
  ...fail,
  runId: 'run-<hostile>&"',
  reason: HOSTILE,
  victim: 'pve1<b>',
  stages: fail.stages.map((s) => ({ ...s, source: HOSTILE, node: s.node && `${s.node}]]>` })),
  notes: [HOSTILE, '- not a nested item'],
  checks: [{ phase: 'after', name: '<img src=x onerror=alert(1)>', ok: false, detail: HOSTILE }],
};

/**
 * XML well-formedness without an XML parser in the dependencies: every `<` opens a tag with
 * quoted attributes, tags nest and close, `&` starts an entity, one root element, no character
 * XML 1.0 forbids.
 */
function assertWellFormed(xml: string): void {
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, 'no control characters');
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const textPart = body.slice(i, lt === -1 ? body.length : lt);
    assert.doesNotMatch(textPart, /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/, `bare & in text near ${JSON.stringify(textPart.slice(0, 60))}`);
    assert.doesNotMatch(textPart, />/, 'no bare > in text (valid XML, but a sign of broken escaping)');
    if (lt === -1) break;
    if (stack.length === 0 && textPart.trim() !== '') assert.fail(`text outside the root: ${JSON.stringify(textPart.slice(0, 60))}`);
    tag.lastIndex = lt;
    const m = tag.exec(body);
    assert.ok(m, `malformed tag at ${JSON.stringify(body.slice(lt, lt + 80))}`);
    for (const v of m[3].matchAll(/="([^"]*)"/g)) assert.doesNotMatch(v[1], /&(?!(amp|lt|gt|quot|apos|#\d+);)/, 'bare & in an attribute');
    const [, close, name, , selfClose] = m;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
    i = tag.lastIndex;
  }
  assert.deepEqual(stack, [], 'every element closed');
  assert.equal(roots, 1, 'exactly one root element');
}

/** The browser's parser, inside page.evaluate (the project compiles without the DOM types). */
declare const DOMParser: new () => { parseFromString(s: string, type: string): { getElementsByTagName(n: string): ArrayLike<{ textContent: string | null }>; documentElement: { textContent: string | null } } };

const attr = (el: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(el);
  assert.ok(m, `${name} in ${el}`);
  return m[1];
};

/** `<g class="stage" data-stage=.. data-seconds=..>` with its circle's cx, in document order. */
function stageMarkers(svg: string): { stage: string; seconds: number; cx: number }[] {
  return [...svg.matchAll(/<g class="stage"[^>]*>[\s\S]*?<circle [^>]*>/g)].map((m) => ({
    stage: attr(m[0], 'data-stage'),
    seconds: Number(attr(m[0], 'data-seconds')),
    cx: Number(attr(m[0].slice(m[0].indexOf('<circle')), 'cx')),
  }));
}

function sloLines(svg: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const m of svg.matchAll(/<line class="slo"[^>]*>/g)) {
    out[attr(m[0], 'data-slo')] = Object.fromEntries(['x1', 'x2', 'y1', 'y2', 'data-seconds'].map((k) => [k, Number(attr(m[0], k))]));
  }
  return out;
}

describe('drill report: Markdown', () => {
  test('a passing drill: verdict, summary, every stage and the VM, the images when asked', () => {
    const md = drillMarkdown(pass, { images: true });
    assert.match(md, /^# Crash drill on lab: PASS\n/);
    assert.match(md, /Reason: every VM ran again on another node within the SLOs/);
    assert.match(md, /\| SLO recovery \/ started \| 140 s \/ 180 s \|/);
    assert.match(md, /\| run \| by hand \|/);
    for (const s of pass.stages) assert.ok(md.includes(`| ${s.name} | `), `stage ${s.name}`);
    assert.match(md, /\| recovery \| 2026-11-22 10:03:15 UTC \| 135\.4 \| 100 \| pve2 \| journal pve2 pve-ha-crm \|/);
    assert.match(md, /\| 100 \| pve1 \| pve2 \| 135\.4 \| 141\.9 \| - \|/);
    assert.match(md, /!\[timeline of the drill\]\(timeline\.svg\)/);
    assert.doesNotMatch(md, /\*\*/, 'nothing over an SLO is emphasized');
    assert.doesNotMatch(md, /## History/, 'no history given');
  });

  test('a failing drill marks what is over its SLO; the history lists earlier drills newest first', () => {
    const md = drillMarkdown(fail, { history: [pass, skipped], images: true });
    assert.match(md, /^# Crash drill on lab: FAIL\n/);
    assert.match(md, /\| recovery \| [^|]+ \| \*\*152\.0\*\* \(SLO 140\) \| 100 \|/);
    assert.match(md, /\| 100 \| pve1 \| pve2 \| \*\*152\.0\*\* \(SLO 140\) \| 158\.5 \|/);
    const history = md.slice(md.indexOf('## History'));
    const rows = history.split('\n').filter((l) => /^\| 2026/.test(l));
    assert.equal(rows.length, 3, 'the skipped drill, this one, the earlier pass');
    assert.match(rows[0], /^\| 2026-12-06 03:00:00 UTC \| SKIPPED \| pve1 \| - \| - \| - \| - \| - \| - \|$/);
    assert.match(rows[1], /^\| 2026-11-29 10:00:00 UTC \(this drill\) \| FAIL \| pve1 \| 12\.5 \| 68\.0 \| \*\*152\.0\*\* \(SLO 140\) \| 158\.5 \| 215\.0 \| 262\.5 \|$/);
    assert.match(rows[2], /^\| 2026-11-22 10:00:00 UTC \| PASS \|/);
    assert.match(history, /!\[trend of the drills\]\(trend\.svg\)/);
  });

  test('a skipped drill and a dry run say that nothing was observed, and why', () => {
    const s = drillMarkdown(skipped);
    assert.match(s, /^# Crash drill on lab: SKIPPED\n/);
    assert.match(s, /Reason: steady state not reached: vm:100 is in state error/);
    assert.match(s, /\| crash \| - \|/);
    assert.match(s, /\| run \| scheduled \|/);
    assert.match(s, /No stage was observed\./);
    assert.match(s, /No HA-managed VM ran on the victim\./);
    assert.match(s, /\| before \| ha resources started \| \*\*NO\*\* \| vm:100 error \|/);
    const d = drillMarkdown(dry);
    assert.match(d, /^# Crash drill on lab: PASS \(dry run\)\n/);
    assert.match(d, /dry run \(nothing was crashed\)/);
  });

  test('hostile text cannot inject HTML, links, emphasis, headings or table cells', () => {
    const md = drillMarkdown(hostile, { history: [pass] });
    assert.doesNotMatch(md, /<script|<img|<b>/);
    assert.match(md, /&lt;\/text&gt;&lt;script&gt;alert\("x"\)&lt;\/script&gt; &amp; 'q' \\\[31m \\\|pipe\\\| \\\[link\\\]\(http:\/\/evil\) \\\*bold\\\* \\_em\\_ # heading/);
    assert.doesNotMatch(md, /\u0000|\u001b/);
    assert.doesNotMatch(md, /^#+ heading/m, 'a newline in the text cannot start a heading');
    assert.match(md, /^- \\- not a nested item$/m);
    const tables = md.split('\n').filter((l) => l.startsWith('|'));
    const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    for (const block of md.split('\n\n').filter((b) => b.startsWith('|'))) {
      const lines = block.split('\n').filter(Boolean);
      for (const l of lines) assert.equal(cells(l), cells(lines[0]), `row keeps its column count: ${l}`);
    }
    assert.ok(tables.length > 10);
  });
});

describe('drill report: SVG', () => {
  test('timeline: each stage at x proportional to its seconds since the crash; the SLO lines at theirs', () => {
    const svg = timelineSvg(fail);
    assertWellFormed(svg);
    const markers = stageMarkers(svg);
    assert.deepEqual(markers.map((m) => m.stage), ['crash', 'offline', 'fence', 'fenced', 'recovery', 'started', 'rejoined', 'ceph-ok']);
    const crashX = markers[0].cx;
    const perSecond = (markers[markers.length - 1].cx - crashX) / markers[markers.length - 1].seconds;
    assert.ok(perSecond > 0);
    for (const m of markers) assert.ok(Math.abs(m.cx - (crashX + perSecond * m.seconds)) < 0.02, `${m.stage} at ${m.cx} for ${m.seconds} s`);
    for (const m of markers) assert.ok(m.cx >= TIMELINE.plotLeft && m.cx <= TIMELINE.plotRight);
    const slo = sloLines(svg);
    assert.equal(slo.recovery['data-seconds'], 140);
    assert.equal(slo.started['data-seconds'], 180);
    for (const [kind, s] of [['recovery', 140], ['started', 180]] as const) {
      assert.ok(Math.abs(slo[kind].x1 - (crashX + perSecond * s)) < 0.02, `${kind} SLO line at ${s} s`);
      assert.equal(slo[kind].x1, slo[kind].x2, 'vertical');
    }
    assert.match(svg, /<line class="slo" data-slo="recovery"[^>]*stroke-dasharray=/);
    assert.match(svg, />recovery SLO 140 s</);
    assert.match(svg, /<title>Crash drill on lab: FAIL, victim pve1<\/title>/);
    assert.match(svg, /data-stage="recovery"[^>]*>[\s\S]*?fill="#b91c1c"/, 'the late recovery is drawn red');
    assert.match(svg, />152\.0 s</);
  });

  test('timeline of a skipped drill and of a dry run: no stage, the SLO lines, the reason', () => {
    for (const r of [skipped, dry]) {
      const svg = timelineSvg(r);
      assertWellFormed(svg);
      assert.equal(stageMarkers(svg).length, 0);
      assert.deepEqual(Object.keys(sloLines(svg)).sort(), ['recovery', 'started']);
      assert.ok(svg.includes(escapeXml(r.reason)));
    }
    assert.match(timelineSvg(skipped), /SKIPPED/);
    assert.match(timelineSvg(dry), /PASS \(dry run\)[\s\S]*dry run: nothing was crashed/);
  });

  test('trend: one line per stage kind across drills, broken where a drill has no stages; SLOs as horizontal lines', () => {
    const later = drill({ runId: 'run-later', startedAt: '2026-12-13T03:00:00.000Z', recovery: 131 });
    const svg = trendSvg([later, skipped, pass, fail]);
    assertWellFormed(svg);
    assert.match(svg, /<title>Crash drill trend on lab: 4 drills \(2 pass, 1 fail, 1 skipped\)<\/title>/);
    const points = [...svg.matchAll(/<circle class="point"[^>]*>/g)].map((m) => ({ stage: attr(m[0], 'data-stage'), seconds: Number(attr(m[0], 'data-seconds')), run: attr(m[0], 'data-run'), cx: Number(attr(m[0], 'cx')), cy: Number(attr(m[0], 'cy')) }));
    const recovery = points.filter((p) => p.stage === 'recovery');
    assert.deepEqual(recovery.map((p) => p.run), ['run-pass', 'run-fail', 'run-later'], 'oldest to newest, the skipped drill has no point');
    assert.deepEqual(recovery.map((p) => p.seconds), [135.4, 152, 131]);
    assert.deepEqual([...new Set(points.map((p) => p.stage))].sort(), ['fence', 'offline', 'recovery', 'rejoined', 'started']);
    const xs = [...new Set(points.map((p) => p.cx))].sort((a, b) => a - b);
    assert.equal(xs.length, 3);
    const slot = (TREND.plotRight - TREND.plotLeft) / 4;
    assert.deepEqual(xs, [0.5, 1.5, 3.5].map((k) => Math.round((TREND.plotLeft + k * slot) * 100) / 100), 'evenly spaced by drill, slot 2 left for the skipped one');
    const polylines = [...svg.matchAll(/<polyline class="trend" data-stage="recovery" points="([^"]*)"/g)].map((m) => m[1].split(' ').length);
    assert.deepEqual(polylines, [2], 'pass→fail joined; the skipped drill breaks the line before the last one');
    const perSecond = (recovery[0].cy - recovery[1].cy) / (152 - 135.4);
    const slo = sloLines(svg);
    for (const [kind, s] of [['recovery', 140], ['started', 180]] as const) {
      assert.equal(slo[kind].y1, slo[kind].y2, 'horizontal');
      assert.ok(Math.abs(slo[kind].y1 - (recovery[0].cy - perSecond * (s - 135.4))) < 0.05, `${kind} SLO at ${s} s`);
    }
    assert.match(svg, /data-run="run-skipped" data-verdict="skipped"/);
    assert.match(svg, />2026-12-06</);
  });

  test('trend of a single drill, of only skipped drills, and of none', () => {
    const one = trendSvg([pass]);
    assertWellFormed(one);
    assert.equal([...one.matchAll(/<circle class="point"/g)].length, 5);
    assert.equal([...one.matchAll(/<polyline/g)].length, 0);
    assert.match(one, /1 drill \(1 pass/);
    const none = trendSvg([]);
    assertWellFormed(none);
    assert.match(none, /no drill yet/);
    const onlySkipped = trendSvg([skipped, dry]);
    assertWellFormed(onlySkipped);
    assert.equal([...onlySkipped.matchAll(/<circle class="point"/g)].length, 0);
    assert.equal(Object.keys(sloLines(onlySkipped)).length, 2);
  });

  test('hostile text is escaped in both SVGs', () => {
    for (const svg of [timelineSvg(hostile), trendSvg([hostile, pass])]) {
      assertWellFormed(svg);
      assert.doesNotMatch(svg, /<script|<b>|\]\]>/);
    }
    assert.equal(escapeXml(`<a href="x">'&'</a>\u0000\ud800`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
    assert.equal(escapeXml('😀'), '😀', 'a surrogate pair is kept whole');
  });

  describe('in a browser', { skip: browserTestSkip() }, () => {
    let browser: Browser;
    let page: Page;
    before(async () => {
      browser = await launchChromium();
      page = await browser.newPage();
    });
    after(async () => {
      await browser?.close();
    });

    /** Chromium's XML parser: the parse error, or the text content of the root. */
    const parse = (svg: string) =>
      page.evaluate((s) => {
        const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
        const err = doc.getElementsByTagName('parsererror')[0];
        return err ? { error: err.textContent ?? 'parse error', text: '', scripts: 0 } : { error: null, text: doc.documentElement.textContent ?? '', scripts: doc.getElementsByTagName('script').length };
      }, svg);

    test('every SVG parses as XML, hostile text arrives as text', async () => {
      for (const svg of [timelineSvg(pass), timelineSvg(fail), timelineSvg(skipped), timelineSvg(dry), trendSvg([pass, fail, skipped, dry]), trendSvg([pass]), trendSvg([]), timelineSvg(hostile), trendSvg([hostile])]) {
        const r = await parse(svg);
        assert.equal(r.error, null, r.error ?? '');
        assert.equal(r.scripts, 0);
      }
      const r = await parse(timelineSvg(hostile));
      assert.ok(r.text.includes(`</text><script>alert("x")</script> & 'q'`), 'the reason, decoded, is plain text');
    });
  });
});

describe('drill report: terminal rendering', () => {
  test('verdict line, reason, stages, VMs, failed checks and the report path', () => {
    const out = renderCrashDrill({ ...fail, checks: [...fail.checks, { phase: 'after', name: 'ceph health', ok: false, detail: 'HEALTH_WARN' }], report: { dir: '/r', markdown: '/r/report.md', timeline: '/r/timeline.svg', trend: '/r/trend.svg' } });
    assert.match(out, /^FAIL: crash drill on cluster lab, victim pve1\nreason: vm 100 recovered after 152\.0 s/);
    const rows = tableRows(out);
    assert.deepEqual(rows.find((r) => r[0] === 'recovery'), ['recovery', '2026-11-29 10:03:32 UTC', '152.0 > SLO 140', '100', 'pve2', 'journal pve2 pve-ha-crm']);
    assert.deepEqual(rows.find((r) => r[0] === '100'), ['100', 'pve1', 'pve2', '152.0 > SLO 140', '158.5', '-']);
    assert.match(out, /check failed \(after\) ceph health: HEALTH_WARN/);
    assert.match(out, /report: \/r\/report\.md \(timeline \/r\/timeline\.svg, trend \/r\/trend\.svg\)/);
    assert.match(renderCrashDrill(skipped), /^SKIPPED: crash drill on cluster lab, victim pve1 \(scheduled\)\n/);
  });
});

describe('saveDrillReport and the local path of `drill report` / `drill history`', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const save = (r: DrillResult): Promise<DrillReportFiles> => new MockActivityEnvironment().run(drillReportActivities({ ...process.env, PVE_RUNBOOKS_HOME: home }).saveDrillReport, r);
  const cli = (args: string[]) => runCli(PVE_RUNBOOKS, ['drill', ...args], env, home);
  before(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-drill-report-'));
    env = { PVE_RUNBOOKS_HOME: home, TEMPORAL_ADDRESS: '127.0.0.1:1' };
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  test('writes result.json, report.md, timeline.svg and trend.svg; the trend holds earlier drills only; a retry rewrites the same files', async () => {
    const first = await save(pass);
    assert.equal(first.dir, path.join(home, 'drills', 'lab', '20261122T100000Z-run-pass'));
    await save(drillResultOf('other', pass));
    const second = await save(fail);
    const files = ['result.json', 'report.md', 'timeline.svg', 'trend.svg'];
    assert.deepEqual(fs.readdirSync(second.dir).sort(), [...files].sort());
    assert.deepEqual(second, { dir: second.dir, markdown: path.join(second.dir, 'report.md'), timeline: path.join(second.dir, 'timeline.svg'), trend: path.join(second.dir, 'trend.svg') });
    const saved = JSON.parse(fs.readFileSync(path.join(second.dir, 'result.json'), 'utf8')) as DrillResult;
    assert.deepEqual(saved, { ...fail, report: second });
    const trend = fs.readFileSync(second.trend, 'utf8');
    assert.match(trend, /data-run="run-pass"/);
    assert.doesNotMatch(trend, /data-run="other-run-pass"/, 'another cluster');
    assert.doesNotMatch(fs.readFileSync(first.trend, 'utf8'), /data-run="run-fail"/, 'a later drill');
    assert.match(fs.readFileSync(second.markdown, 'utf8'), /## History[\s\S]*\(this drill\)[\s\S]*2026-11-22 10:00:00 UTC/);

    const before = Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(second.dir, f), 'utf8')]));
    assert.deepEqual(await save(fail), second);
    for (const f of files) assert.equal(fs.readFileSync(path.join(second.dir, f), 'utf8'), before[f], `${f} rewritten identically`);
    assert.equal(fs.readdirSync(second.dir).length, files.length, 'no temporary file left');
    await save(skipped);
    const undated = await save({ ...drillResultOf('other', skipped), startedAt: '' });
    assert.equal(path.basename(undated.dir), 'undated-other-run-skipped', 'a drill stopped before its first check');
  });

  test('an invalid result is refused without a retry', async () => {
    for (const [bad, message] of [
      [{ ...pass, verdict: 'maybe' }, /not a drill result/],
      [{ ...pass, runId: '..' }, /cannot name a drill folder after run id "\.\."/],
    ] as const) {
      await assert.rejects(save(bad as unknown as DrillResult), (err: Error & { nonRetryable?: boolean }) => {
        assert.match(err.message, message);
        assert.equal(err.nonRetryable, true);
        return true;
      });
    }
  });

  test('`drill history --local` lists the cluster drills newest first with their stage seconds', async () => {
    const r = await cli(['history', '--cluster', 'lab', '--local']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(tableRows(r.stdout), [
      ['started', 'verdict', 'run', 'victim', 'offline', 'fence', 'recovery', 'started', 'rejoined', 'ceph-ok', 'SLO recovery/started'],
      ['2026-12-06 03:00:00 UTC', 'SKIPPED', 'scheduled', 'pve1', '-', '-', '-', '-', '-', '-', '140/180'],
      ['2026-11-29 10:00:00 UTC', 'FAIL', 'by hand', 'pve1', '12.5', '68.0', '152.0 !', '158.5', '215.0', '262.5', '140/180'],
      ['2026-11-22 10:00:00 UTC', 'PASS', 'by hand', 'pve1', '12.5', '68.0', '135.4', '141.9', '215.0', '262.5', '140/180'],
    ]);
    assert.match(r.stdout, /! over its SLO/);
    const json = await cli(['history', '--cluster', 'lab', '--local', '--json', '--limit', '2']);
    assert.deepEqual((JSON.parse(json.stdout) as DrillResult[]).map((d) => d.runId), ['run-skipped', 'run-fail']);
    const none = await cli(['history', '--cluster', 'nope', '--local']);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no finished crash drill of cluster nope in .*drills/);
    const noCluster = await cli(['history', '--local']);
    assert.equal(noCluster.code, 1);
    assert.match(noCluster.stderr, /give the cluster: -i FILE or --cluster NAME/);
  });

  test('`drill report --local`: the latest by default, by workflow or run id, --out writes the files, --json the result', async () => {
    const latest = await cli(['report', '--local']);
    assert.equal(latest.code, 0, latest.stderr);
    assert.match(latest.stdout, /^# Crash drill on lab: SKIPPED\n/, 'the latest of every cluster; an undated drill counts as oldest');
    const byCluster = await cli(['report', '--local', '--cluster', 'lab']);
    assert.match(byCluster.stdout, /^# Crash drill on lab: SKIPPED\n/);
    const byRun = await cli(['report', 'run-fail', '--local']);
    assert.match(byRun.stdout, /^# Crash drill on lab: FAIL\n[\s\S]*## History[\s\S]*2026-11-22 10:00:00 UTC \| PASS/);
    assert.doesNotMatch(byRun.stdout, /2026-12-06/, 'the history holds earlier drills only');
    const byWorkflow = await cli(['report', 'crashDrill-lab', '--local', '--json']);
    assert.equal((JSON.parse(byWorkflow.stdout) as DrillResult).runId, 'run-fail', 'the latest drill of that workflow id');
    const out = path.join(home, 'out');
    const written = await cli(['report', 'run-fail', '--local', '--out', out]);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stdout, /wrote .*report\.md, .*timeline\.svg, .*trend\.svg/);
    for (const f of ['report.md', 'timeline.svg', 'trend.svg']) assert.ok(fs.existsSync(path.join(out, f)), f);
    assert.match(fs.readFileSync(path.join(out, 'trend.svg'), 'utf8'), /data-run="run-pass"/);
    const missing = await cli(['report', 'no-such-run', '--local']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error: no finished crash drill with id no-such-run in .*drills/);
    const bad = await cli(['report', 'a b', '--local']);
    assert.match(bad.stderr, /"a b" is not a workflow id or run id/);
  });
});

/** The cells of a cli-table3 table's rows (header first). */
function tableRows(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) => l.split('│').slice(1, -1).map((c) => c.trim()));
}

function drillResultOf(cluster: string, r: DrillResult): DrillResult {
  return { ...r, cluster, workflowId: `crashDrill-${cluster}`, runId: `${cluster}-${r.runId}` };
}
