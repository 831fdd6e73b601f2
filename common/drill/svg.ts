import type { DrillResult, DrillStage } from './result';
import { formatClusterTime, oldestFirst, stageSeconds, stageSlo, verdictLabel } from './stages';

/**
 * Text comes from the cluster and the operator: characters XML 1.0 forbids (control characters,
 * lone surrogates) would make the whole file unreadable, so they go before escaping.
 */
export function escapeXml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function clip(s: string, max: number): string {
  const chars = [...s.replace(/\s+/g, ' ')];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** Coordinates with two decimals: exact enough for a chart, short enough to read in a diff. */
const n = (v: number) => String(Math.round(v * 100) / 100);

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${n(x)}" y="${n(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(content)}</text>`;
}

function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** A tick step giving at most about eight ticks, in steps a reader counts seconds in. */
export function tickStep(span: number): number {
  const steps = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600];
  return steps.find((s) => span / s <= 8) ?? Math.ceil(span / 8 / 3600) * 3600;
}

export interface Axis {
  lo: number;
  hi: number;
  step: number;
}

/** From the lowest value (never above 0) to the highest rounded up to a whole step. */
export function axisFor(values: number[]): Axis {
  const lo0 = Math.min(0, ...values);
  const hi0 = Math.max(1, ...values);
  const step = tickStep(hi0 - lo0);
  return { lo: Math.floor(lo0 / step) * step, hi: Math.ceil(hi0 / step) * step, step };
}

function ticks(a: Axis): number[] {
  const out: number[] = [];
  for (let v = a.lo; v <= a.hi + 1e-9; v += a.step) out.push(v);
  return out;
}

const VERDICT_COLORS = { pass: '#15803d', fail: '#b91c1c', skipped: '#6b7280' } as const;
const SLO_COLORS = { recovery: '#1f77b4', started: '#2ca02c' } as const;

function drillTitle(r: DrillResult): string {
  return `Crash drill on ${r.cluster}: ${verdictLabel(r)}, victim ${r.victim}`;
}

/** The timeline's geometry, exported so a test can check positions against seconds. */
export const TIMELINE = { width: 960, plotLeft: 220, plotRight: 880, top: 112, rowHeight: 26 } as const;

function stageLabel(s: DrillStage): string {
  if (s.vm !== undefined) return `${s.name} vm ${s.vm}${s.node ? ` on ${s.node}` : ''}`;
  return s.node ? `${s.name} ${s.node}` : s.name;
}

/**
 * One drill: every stage on a row at its seconds since the crash, the crash at 0, the SLOs as
 * dashed lines, so "how close to the SLO" is seen at a glance.
 */
export function timelineSvg(r: DrillResult): string {
  const { width, plotLeft, plotRight, top, rowHeight } = TIMELINE;
  const stages = r.stages
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.sinceCrashSeconds - b.s.sinceCrashSeconds || a.i - b.i)
    .map((x) => x.s);
  const axis = axisFor([...stages.map((s) => s.sinceCrashSeconds), r.slo.recoverySeconds, r.slo.startedSeconds]);
  const x = (s: number) => plotLeft + ((s - axis.lo) / (axis.hi - axis.lo)) * (plotRight - plotLeft);
  const rows = Math.max(stages.length, 1);
  const bottom = top + rows * rowHeight;
  const height = bottom + 50;
  const title = drillTitle(r);
  const body: string[] = [
    text(12, 26, title, `font-size="17" font-weight="bold" fill="${VERDICT_COLORS[r.verdict]}"`),
    text(12, 46, clip(r.reason, 140), 'fill="#374151"'),
    text(12, 64, `started ${formatClusterTime(r.startedAt)}${r.crashAt ? `, crash ${formatClusterTime(r.crashAt)}` : ''}; seconds since the crash`, 'fill="#6b7280"'),
  ];
  for (const t of ticks(axis)) {
    body.push(`<line class="grid" x1="${n(x(t))}" y1="${top - 8}" x2="${n(x(t))}" y2="${bottom}" stroke="#e5e7eb"/>`);
    body.push(text(x(t), bottom + 16, `${t}`, 'text-anchor="middle" fill="#374151"'));
  }
  body.push(`<line class="axis" x1="${plotLeft}" y1="${bottom}" x2="${plotRight}" y2="${bottom}" stroke="#374151"/>`);
  body.push(text((plotLeft + plotRight) / 2, bottom + 34, 'seconds since crash', 'text-anchor="middle" fill="#374151"'));
  body.push(`<line class="crash" x1="${n(x(0))}" y1="${top - 8}" x2="${n(x(0))}" y2="${bottom}" stroke="#111827" stroke-width="1.5"/>`);
  for (const kind of ['recovery', 'started'] as const) {
    const slo = kind === 'recovery' ? r.slo.recoverySeconds : r.slo.startedSeconds;
    const labelY = kind === 'recovery' ? top - 26 : top - 12;
    body.push(
      `<line class="slo" data-slo="${kind}" data-seconds="${slo}" x1="${n(x(slo))}" y1="${top - 8}" x2="${n(x(slo))}" y2="${bottom}" stroke="${SLO_COLORS[kind]}" stroke-dasharray="6 4" stroke-width="1.5"/>`,
      text(x(slo), labelY, `${kind} SLO ${slo} s`, `text-anchor="middle" fill="${SLO_COLORS[kind]}"`),
    );
  }
  if (stages.length === 0) {
    body.push(text(plotLeft + 10, top + rowHeight / 2 + 4, r.dryRun ? 'dry run: nothing was crashed, no stage observed' : 'no stage observed', 'fill="#6b7280"'));
  }
  stages.forEach((s, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    const slo = s.vm !== undefined ? stageSlo(r, s.name) : undefined;
    const color = slo !== undefined && s.sinceCrashSeconds > slo ? VERDICT_COLORS.fail : '#111827';
    body.push(
      `<g class="stage" data-stage="${s.name}" data-seconds="${s.sinceCrashSeconds}">`,
      text(plotLeft - 10, y + 4, clip(stageLabel(s), 30), 'text-anchor="end"'),
      `<line x1="${n(x(0))}" y1="${y}" x2="${n(x(s.sinceCrashSeconds))}" y2="${y}" stroke="#d1d5db" stroke-width="3"/>`,
      `<circle cx="${n(x(s.sinceCrashSeconds))}" cy="${y}" r="5" fill="${color}"/>`,
      text(x(s.sinceCrashSeconds) + 9, y + 4, `${s.sinceCrashSeconds.toFixed(1)} s`, `fill="${color}"`),
      `<title>${escapeXml(`${stageLabel(s)} at ${s.at} (${s.source})`)}</title>`,
      '</g>',
    );
  });
  return svgDocument(width, height, title, body);
}

/** The stages drawn on the trend, one line each. */
export const TREND_STAGES = ['offline', 'fence', 'recovery', 'started', 'rejoined'] as const;
const TREND_COLORS: Record<(typeof TREND_STAGES)[number], string> = {
  offline: '#8c564b',
  fence: '#9467bd',
  recovery: SLO_COLORS.recovery,
  started: SLO_COLORS.started,
  rejoined: '#ff7f0e',
};

export const TREND = { width: 960, height: 450, plotLeft: 70, plotRight: 800, top: 90, bottom: 360 } as const;

/**
 * Past drills oldest to newest, evenly spaced: drills run by hand cluster in a day and scheduled
 * ones are weeks apart, and a time-proportional axis would squeeze the former into one point.
 * A drill without a stage (skipped, dry run) leaves a gap in every line, marked on the axis.
 */
export function trendSvg(results: DrillResult[]): string {
  const { width, height, plotLeft, plotRight, top, bottom } = TREND;
  const drills = oldestFirst(results);
  const cluster = drills[drills.length - 1]?.cluster ?? '';
  const count = (v: DrillResult['verdict']) => drills.filter((d) => d.verdict === v).length;
  const title = `Crash drill trend on ${cluster || 'no cluster'}: ${drills.length} drill${drills.length === 1 ? '' : 's'} (${count('pass')} pass, ${count('fail')} fail, ${count('skipped')} skipped)`;
  const body: string[] = [text(12, 26, title, 'font-size="17" font-weight="bold" fill="#111827"'), text(12, 46, 'seconds since the crash, per drill', 'fill="#6b7280"')];
  if (drills.length === 0) {
    body.push(text(plotLeft, (top + bottom) / 2, 'no drill yet', 'fill="#6b7280"'));
    return svgDocument(width, height, title, body);
  }
  const latest = drills[drills.length - 1];
  const values = drills.flatMap((d) => TREND_STAGES.map((k) => stageSeconds(d, k)).filter((v): v is number => v !== undefined));
  const axis = axisFor([...values, latest.slo.recoverySeconds, latest.slo.startedSeconds]);
  const y = (s: number) => bottom - ((s - axis.lo) / (axis.hi - axis.lo)) * (bottom - top);
  const slot = (plotRight - plotLeft) / drills.length;
  const x = (i: number) => plotLeft + (i + 0.5) * slot;
  for (const t of ticks(axis)) {
    body.push(`<line class="grid" x1="${plotLeft}" y1="${n(y(t))}" x2="${plotRight}" y2="${n(y(t))}" stroke="#e5e7eb"/>`);
    body.push(text(plotLeft - 8, y(t) + 4, `${t}`, 'text-anchor="end" fill="#374151"'));
  }
  body.push(`<line class="axis" x1="${plotLeft}" y1="${bottom}" x2="${plotRight}" y2="${bottom}" stroke="#374151"/>`);
  body.push(`<line class="axis" x1="${plotLeft}" y1="${top}" x2="${plotLeft}" y2="${bottom}" stroke="#374151"/>`);
  for (const kind of ['recovery', 'started'] as const) {
    const slo = kind === 'recovery' ? latest.slo.recoverySeconds : latest.slo.startedSeconds;
    body.push(
      `<line class="slo" data-slo="${kind}" data-seconds="${slo}" x1="${plotLeft}" y1="${n(y(slo))}" x2="${plotRight}" y2="${n(y(slo))}" stroke="${SLO_COLORS[kind]}" stroke-dasharray="6 4" stroke-width="1.5"/>`,
      text(plotRight + 6, y(slo) + (kind === 'recovery' ? -3 : 11), `${kind} SLO ${slo} s`, `fill="${SLO_COLORS[kind]}"`),
    );
  }
  const labelEvery = Math.ceil(drills.length / 12);
  drills.forEach((d, i) => {
    body.push(
      `<g class="drill" data-run="${escapeXml(d.runId)}" data-verdict="${d.verdict}">`,
      `<rect x="${n(x(i) - 5)}" y="${bottom + 6}" width="10" height="10" fill="${VERDICT_COLORS[d.verdict]}"/>`,
      `<title>${escapeXml(`${formatClusterTime(d.startedAt)}: ${verdictLabel(d)}, victim ${d.victim}: ${clip(d.reason, 200)}`)}</title>`,
      '</g>',
    );
    if (i % labelEvery === 0 || i === drills.length - 1) {
      const when = formatClusterTime(d.startedAt);
      body.push(text(x(i), bottom + 32, when.slice(0, 10), 'text-anchor="middle" fill="#374151"'), text(x(i), bottom + 46, when.slice(11, 16), 'text-anchor="middle" fill="#6b7280"'));
    }
    if (d.stages.length === 0) body.push(text(x(i), bottom - 6, d.dryRun ? 'dry run' : d.verdict, 'text-anchor="middle" fill="#6b7280" font-size="10"'));
  });
  TREND_STAGES.forEach((kind, k) => {
    const color = TREND_COLORS[kind];
    const points = drills.map((d, i) => ({ i, s: stageSeconds(d, kind), run: d.runId }));
    const segments: { i: number; s: number }[][] = [];
    let current: { i: number; s: number }[] = [];
    for (const p of points) {
      if (p.s === undefined) {
        if (current.length) segments.push(current);
        current = [];
      } else current.push({ i: p.i, s: p.s });
    }
    if (current.length) segments.push(current);
    for (const seg of segments.filter((sg) => sg.length > 1)) {
      body.push(`<polyline class="trend" data-stage="${kind}" points="${seg.map((p) => `${n(x(p.i))},${n(y(p.s))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    for (const p of points) {
      if (p.s !== undefined) body.push(`<circle class="point" data-stage="${kind}" data-seconds="${p.s}" data-run="${escapeXml(p.run)}" cx="${n(x(p.i))}" cy="${n(y(p.s))}" r="3.5" fill="${color}"/>`);
    }
    const lx = plotLeft + k * 110;
    body.push(`<line x1="${lx}" y1="64" x2="${lx + 20}" y2="64" stroke="${color}" stroke-width="2"/>`, text(lx + 26, 68, kind, `fill="${color}"`));
  });
  return svgDocument(width, height, title, body);
}
