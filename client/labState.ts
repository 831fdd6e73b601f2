import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

/** `STATE/lab.json`: how scripts and the CLI find a running lab. A stable contract. */
export const LabState = z.object({
  temporalAddress: z.string(),
  uiUrl: z.string(),
  inventory: z.string(),
  nodes: z.array(z.object({ name: z.string(), host: z.literal('127.0.0.1'), port: z.number(), password: z.string(), address: z.string() })),
  namespace: z.string(),
  stateDir: z.string(),
  /** PVE_RUNBOOKS_HOME of the lab's worker: its controller key, pinned host keys and sealing key. */
  home: z.string(),
  controlUrl: z.string(),
  pve: z.union([z.literal(8), z.literal(9)]),
  timeScale: z.number(),
  pid: z.number(),
});
export type LabState = z.infer<typeof LabState>;

export const DEFAULT_STATE_DIR = '.lab';

export function labStateFile(stateDir: string): string {
  return path.join(path.resolve(stateDir), 'lab.json');
}

/** The lab's state if one is running from this directory (its process still alive). */
export function readLabState(stateDir = DEFAULT_STATE_DIR): LabState | undefined {
  const file = labStateFile(stateDir);
  if (!fs.existsSync(file)) return undefined;
  const parsed = LabState.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) return undefined;
  try {
    process.kill(parsed.data.pid, 0);
  } catch {
    return undefined;
  }
  return parsed.data;
}
