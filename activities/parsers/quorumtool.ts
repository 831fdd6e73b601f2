import { z } from 'zod';
import { ParseError } from './errors';
import { Line, contentLines, parseNodeId, quote } from './text';

/**
 * `pvecm status` is `corosync-quorumtool -siH` behind a "Cluster information" block, and `pvecm
 * nodes` its membership table alone: one reader serves the three kinds. The output is a series of
 * headed sections ("Quorum information" underlined with dashes; the PVE docs use tildes) holding
 * `Key: value` lines, except the membership table.
 */
export interface QuorumtoolOutput {
  fields: Map<string, { value: string; line: number }>;
  membershipSection: boolean;
  /** Set once the membership table's header has been read. */
  members?: MemberRow[];
  qdeviceColumn: boolean;
}

export interface MemberRow {
  nodeid: number;
  votes: number;
  /** The Qdevice column (`A,V,NMW`), split; only when the table has that column. */
  qdeviceFlags?: string[];
  name: string;
  local: boolean;
}

const MEMBERSHIP = 'Membership information';
const KNOWN_SECTIONS = new Set(['Cluster information', 'Quorum information', 'Votequorum information', MEMBERSHIP]);

export function readQuorumtool(kind: string, text: string): QuorumtoolOutput {
  // The PVE docs elide the top of some outputs with a `...` line.
  const lines = contentLines(kind, text).filter((l) => l.text.trim() !== '...');
  const out: QuorumtoolOutput = { fields: new Map(), membershipSection: false, qdeviceColumn: false };
  let section: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const s = line.text.trim();
    const underlined = /^[-~=]{3,}$/.test(lines[i + 1]?.text.trim() ?? '');
    if (KNOWN_SECTIONS.has(s) || (underlined && /^[A-Z][A-Za-z ]* information$/.test(s))) {
      section = s;
      if (underlined) i++;
      if (s === MEMBERSHIP) out.membershipSection = true;
      continue;
    }
    if (section === undefined) {
      throw new ParseError(kind, `cannot read ${quote(s)}: expected a section heading such as "Quorum information"`, line.no);
    }
    if (section === MEMBERSHIP) {
      readMembershipLine(kind, line, out);
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(s);
    if (!kv) throw new ParseError(kind, `cannot read ${quote(s)} as "Key: value" in the ${section} section`, line.no);
    out.fields.set(kv[1]!, { value: kv[2]!, line: line.no });
  }
  return out;
}

function readMembershipLine(kind: string, line: Line, out: QuorumtoolOutput): void {
  const s = line.text.trim();
  const header = /^Nodeid\s+Votes(\s+Qdevice)?\s+Name$/.exec(s);
  if (header && !out.members) {
    out.qdeviceColumn = header[1] !== undefined;
    out.members = [];
    return;
  }
  const members = out.members;
  if (!members) throw new ParseError(kind, `cannot read ${quote(s)}: expected the membership header "Nodeid Votes Name"`, line.no);
  const tokens = s.split(/\s+/);
  const local = tokens[tokens.length - 1] === '(local)';
  if (local) tokens.pop();
  // With a Qdevice column, the qdevice's own row leaves it blank.
  const shapeOk = out.qdeviceColumn ? tokens.length === 3 || tokens.length === 4 : tokens.length === 3;
  const nodeid = parseNodeId(tokens[0] ?? '');
  if (!shapeOk || nodeid === undefined || !/^\d+$/.test(tokens[1] ?? '')) {
    throw new ParseError(kind, `cannot read ${quote(s)} as a membership row`, line.no);
  }
  members.push({
    nodeid,
    votes: Number(tokens[1]),
    ...(tokens.length === 4 ? { qdeviceFlags: tokens[2]!.split(',') } : {}),
    name: tokens[tokens.length - 1]!,
    local,
  });
}

function field(out: QuorumtoolOutput, key: string) {
  return out.fields.get(key);
}

function int(kind: string, out: QuorumtoolOutput, key: string): number | undefined {
  const f = field(out, key);
  if (!f) return undefined;
  const id = key === 'Node ID' ? parseNodeId(f.value) : /^\d+$/.test(f.value) ? Number(f.value) : undefined;
  if (id === undefined) throw new ParseError(kind, `cannot read "${key}: ${f.value}": expected a number`, f.line);
  return id;
}

function requiredInt(kind: string, out: QuorumtoolOutput, key: string): number {
  const n = int(kind, out, key);
  if (n === undefined) throw new ParseError(kind, `no "${key}:" line (is the Votequorum information section missing?)`);
  return n;
}

export const ClusterInfoShape = {
  clusterName: z.string().optional(),
  configVersion: z.number().int().optional(),
  transport: z.string().optional(),
  secureAuth: z.boolean().optional(),
};

export function clusterInfo(kind: string, out: QuorumtoolOutput) {
  const secauth = field(out, 'Secure auth')?.value;
  return {
    clusterName: field(out, 'Name')?.value,
    configVersion: int(kind, out, 'Config Version'),
    transport: field(out, 'Transport')?.value,
    secureAuth: secauth === undefined ? undefined : secauth === 'on',
  };
}

export const QuorumShape = {
  date: z.string().optional(),
  quorumProvider: z.string().optional(),
  nodeCount: z.number().int().optional(),
  localNodeId: z.number().int().optional(),
  ringId: z.string().optional(),
  quorate: z.boolean(),
  expectedVotes: z.number().int(),
  highestExpected: z.number().int().optional(),
  totalVotes: z.number().int(),
  quorum: z.number().int(),
  /** Votequorum prints "Activity blocked" next to the quorum when the partition is not quorate. */
  activityBlocked: z.boolean(),
  flags: z.array(z.string()),
};

export function quorumInfo(kind: string, out: QuorumtoolOutput) {
  const flagsField = field(out, 'Flags');
  const flags = flagsField ? flagsField.value.split(/\s+/).filter(Boolean) : [];
  const quorateField = field(out, 'Quorate');
  if (quorateField && !/^(Yes|No)$/.test(quorateField.value)) {
    throw new ParseError(kind, `cannot read "Quorate: ${quorateField.value}": expected Yes or No`, quorateField.line);
  }
  // Partial outputs lack "Quorate:"; votequorum sets the Quorate flag exactly when quorate.
  if (!quorateField && !flagsField) throw new ParseError(kind, 'neither a "Quorate:" nor a "Flags:" line: cannot tell whether the cluster is quorate');
  const quorumField = field(out, 'Quorum');
  if (!quorumField) throw new ParseError(kind, 'no "Quorum:" line (is the Votequorum information section missing?)');
  const quorum = /^(\d+)(\s+Activity blocked)?$/.exec(quorumField.value);
  if (!quorum) throw new ParseError(kind, `cannot read "Quorum: ${quorumField.value}": expected a number`, quorumField.line);
  return {
    date: field(out, 'Date')?.value,
    quorumProvider: field(out, 'Quorum provider')?.value,
    nodeCount: int(kind, out, 'Nodes'),
    localNodeId: int(kind, out, 'Node ID'),
    ringId: field(out, 'Ring ID')?.value,
    quorate: quorateField ? quorateField.value === 'Yes' : flags.includes('Quorate'),
    expectedVotes: requiredInt(kind, out, 'Expected votes'),
    highestExpected: int(kind, out, 'Highest expected'),
    totalVotes: requiredInt(kind, out, 'Total votes'),
    quorum: Number(quorum[1]),
    activityBlocked: quorum[2] !== undefined,
    flags,
  };
}

export const QdeviceShape = {
  /** The QDevice's row of the membership table (node id 0, name "Qdevice"), when there is one. */
  qdevice: z.object({ votes: z.number().int() }).optional(),
};

/** Real members and the QDevice row apart; refuses output whose membership table is missing or empty. */
export function membership(kind: string, out: QuorumtoolOutput): { members: MemberRow[]; qdevice?: { votes: number } } {
  if (!out.membershipSection) throw new ParseError(kind, 'no "Membership information" section (is the output cut short?)');
  if (!out.members) throw new ParseError(kind, 'the "Membership information" section has no table');
  if (out.members.length === 0) throw new ParseError(kind, 'the membership table has no rows (is the output cut short?)');
  const qdevice = out.members.find(isQdeviceRow);
  return { members: out.members.filter((m) => !isQdeviceRow(m)), ...(qdevice ? { qdevice: { votes: qdevice.votes } } : {}) };
}

function isQdeviceRow(m: MemberRow): boolean {
  return m.nodeid === 0 && m.name === 'Qdevice';
}
