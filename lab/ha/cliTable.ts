export type TableRow = Record<string, string | number | undefined>;

/** PVE::CLIFormatter's bordered text table (what pvesh and the CLIs print by default). */
export function textTable(rows: TableRow[], keys: string[]): string {
  if (rows.length === 0) return '';
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k] ?? '').length)));
  const line = (l: string, m: string, r: string, fill: string) => `${l}${width.map((w) => fill.repeat(w + 2)).join(m)}${r}\n`;
  const cells = (vals: string[]) => `│${vals.map((v, i) => ` ${v.padEnd(width[i] as number)} `).join('│')}│\n`;
  let out = line('┌', '┬', '┐', '─') + cells(keys) + line('╞', '╪', '╡', '═');
  rows.forEach((r, i) => {
    out += cells(keys.map((k) => String(r[k] ?? '')));
    if (i < rows.length - 1) out += line('├', '┼', '┤', '─');
  });
  return out + line('└', '┴', '┘', '─');
}
