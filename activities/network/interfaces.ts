/**
 * /etc/network/interfaces as ifupdown2 reads it: stanzas start at `auto`, `allow-*`, `iface`,
 * `source`, `mapping`; indented lines belong to the stanza above. The private network's NIC and
 * bridge stanzas are ours to write; everything else (management bridge, comments, sources) stays
 * byte for byte.
 */
export interface PrivateBridge {
  nic: string;
  bridge: string;
  /** IP/prefix. */
  cidr: string;
  mtu: number;
}

const STANZA = /^(auto|allow-[\w-]+|iface|source|source-directory|mapping)\b/;

interface Block {
  head: string;
  lines: string[];
}

function blocks(text: string): Block[] {
  const out: Block[] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (STANZA.test(line) || out.length === 0) out.push({ head: line, lines: [line] });
    else out[out.length - 1].lines.push(line);
  }
  return out;
}

/** Interface names a stanza's head declares: `auto a b`, `iface a inet static`. */
function names(head: string): string[] {
  const words = head.trim().split(/\s+/);
  if (words[0] === 'iface') return words.slice(1, 2);
  if (words[0] === 'auto' || words[0].startsWith('allow-')) return words.slice(1);
  return [];
}

export function privateStanzas(p: PrivateBridge): string {
  return [
    `auto ${p.nic}`,
    `iface ${p.nic} inet manual`,
    `\tmtu ${p.mtu}`,
    '',
    `auto ${p.bridge}`,
    `iface ${p.bridge} inet static`,
    `\taddress ${p.cidr}`,
    `\tbridge-ports ${p.nic}`,
    '\tbridge-stp off',
    '\tbridge-fd 0',
    `\tmtu ${p.mtu}`,
    '#private network: corosync and Ceph (pve-runbooks)',
    '',
  ].join('\n');
}

/** The file with the private NIC and bridge stanzas replaced by ours, placed before the `source` lines. */
export function renderInterfaces(current: string, p: PrivateBridge): string {
  const ours = new Set([p.nic, p.bridge]);
  const kept: Block[] = [];
  for (const b of blocks(current)) {
    const n = names(b.head);
    if (n.length === 0) {
      kept.push(b);
      continue;
    }
    const others = n.filter((x) => !ours.has(x));
    if (others.length === n.length) kept.push(b);
    // `auto a b` naming ours and others keeps the others.
    else if (others.length && !b.head.startsWith('iface')) kept.push({ head: b.head, lines: [`${b.head.split(/\s+/)[0]} ${others.join(' ')}`, ...b.lines.slice(1)] });
    else {
      const trailing = b.lines.slice(1).filter((l) => !/^\s/.test(l) && l.trim() !== '' && !l.startsWith('#private network'));
      if (trailing.length) kept.push({ head: trailing[0], lines: trailing });
    }
  }
  const text = kept.map((b) => b.lines.join('\n')).join('\n').replace(/\n{3,}/g, '\n\n').replace(/\s+$/, '');
  const lines = text.split('\n');
  const sourceAt = lines.findIndex((l) => /^source(-directory)?\b/.test(l));
  const head = (sourceAt === -1 ? lines : lines.slice(0, sourceAt)).join('\n').replace(/\s+$/, '');
  const tail = sourceAt === -1 ? '' : `\n${lines.slice(sourceAt).join('\n')}\n`;
  return `${head}\n\n${privateStanzas(p)}${tail}`;
}
