import { fieldOf, usecOf, type EntryContext } from './format';
import type { JournalBoot, JournalEntry } from './journal';

/** What journalctl's filtering options select. Groups of one kind are ORed, kinds are ANDed. */
export interface JournalFilter {
  /** Unit names with a suffix (`corosync.service`), glob patterns allowed. */
  units: string[];
  idents: string[];
  /** Only the kernel's lines (`-k`). */
  kernel: boolean;
  /** Only this boot (32 hex digits). */
  bootId?: string;
  /** µs, inclusive. */
  since?: number;
  until?: number;
  /** Syslog levels allowed, as [most severe, least severe]. */
  priority?: [number, number];
  grep?: RegExp;
  /** FIELD=VALUE matches: a list of disjuncts, each a conjunction of fields (values of one field ORed). */
  matches: Map<string, string[]>[];
}

export interface SelectedEntry {
  entry: JournalEntry;
  ctx: EntryContext;
}

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** add_matches_for_unit: the unit's own processes, and systemd's lines about the unit. */
function unitMatches(e: JournalEntry, units: RegExp[]): boolean {
  return e.ident !== 'kernel' && e.unit !== undefined && units.some((u) => u.test(e.unit as string));
}

/** The entries journalctl shows, in journal order, each with what formatting needs. */
export function selectEntries(all: JournalEntry[], boots: readonly JournalBoot[], base: Omit<EntryContext, 'boot' | 'seqnum'>, f: JournalFilter): SelectedEntry[] {
  const units = f.units.map(glob);
  const bootOf = new Map(boots.map((b) => [b.id, b]));
  const out: SelectedEntry[] = [];
  all.forEach((entry, i) => {
    const ctx = { ...base, boot: bootOf.get(entry.bootId), seqnum: i + 1 };
    const usec = usecOf(entry);
    if (f.bootId && entry.bootId !== f.bootId) return;
    if (f.kernel && entry.ident !== 'kernel') return;
    if (units.length && !unitMatches(entry, units)) return;
    if (f.idents.length && !f.idents.includes(entry.ident)) return;
    if (f.priority && (entry.priority < f.priority[0] || entry.priority > f.priority[1])) return;
    if (f.since !== undefined && usec < f.since) return;
    if (f.until !== undefined && usec > f.until) return;
    if (f.matches.length && !f.matches.some((group) => [...group].every(([field, values]) => values.includes(fieldOf(entry, ctx, field) ?? '\0')))) return;
    if (f.grep && !f.grep.test(entry.message)) return;
    out.push({ entry, ctx });
  });
  return out;
}
