/** mdadm's human_size: ` (10.92 TiB 12.00 TB)`, empty below 5000 KiB. */
export function mdHumanSize(bytes: number): string {
  const b = BigInt(Math.round(bytes));
  const centi = (unit: bigint, decimal: bigint) => ({ bin: (b * 200n / unit + 1n) / 2n, dec: (b / (decimal / 200n) + 1n) / 2n });
  const fmt = (c: { bin: bigint; dec: bigint }, bu: string, du: string) =>
    ` (${c.bin / 100n}.${String(c.bin % 100n).padStart(2, '0')} ${bu} ${c.dec / 100n}.${String(c.dec % 100n).padStart(2, '0')} ${du})`;
  if (b < 5000n * 1024n) return '';
  if (b < 2n * 1024n ** 3n) return fmt(centi(1n << 20n, 1000000n), 'MiB', 'MB');
  if (b < 2n * 1024n ** 4n) return fmt(centi(1n << 30n, 1000000000n), 'GiB', 'GB');
  return fmt(centi(1n << 40n, 1000000000000n), 'TiB', 'TB');
}

/** util-linux's size_to_human_string with a one-letter suffix, as lsblk prints SIZE: `3.6T`, `1007K`. */
export function lsblkSize(bytes: number): string {
  const b = BigInt(Math.round(bytes));
  let exp = 0;
  for (let n = 10; n <= 60; n += 10) {
    exp = n - 10;
    if (b < 1n << BigInt(n)) break;
  }
  const letter = 'BKMGTPE'[exp / 10] as string;
  let dec = exp ? b / (1n << BigInt(exp)) : b;
  let frac = exp ? b % (1n << BigInt(exp)) : 0n;
  if (frac) {
    frac = (frac * 1000n) / (1n << BigInt(exp));
    frac = ((frac + 50n) / 100n) * 10n;
    if (frac === 1000n) {
      dec += 1n;
      frac = 0n;
    }
  }
  if (!frac) return `${dec}${letter}`;
  let text = `${dec}.${String(frac).padStart(2, '0')}`;
  if (text.endsWith('0')) text = text.slice(0, -1);
  return `${text}${letter}`;
}

const LVM_UNITS: [string, number][] = [
  ['e', 2 ** 60],
  ['p', 2 ** 50],
  ['t', 2 ** 40],
  ['g', 2 ** 30],
  ['m', 2 ** 20],
  ['k', 2 ** 10],
];

/** LVM's human-readable size (`<3.64t`, `96.00g`, `0 `): a `<` when the figure shown was rounded up. */
export function lvmSize(bytes: number): string {
  if (bytes === 0) return '0 ';
  const [suffix, unit] = LVM_UNITS.find(([, u]) => bytes >= u) ?? ['k', 1024];
  const value = bytes / unit;
  const shown = value.toFixed(2);
  return `${Number(shown) > value + 1e-9 ? '<' : ''}${shown}${suffix}`;
}
