import { Client, Connection } from '@temporalio/client';
import { DEFAULT_NAMESPACE } from '../common/constants';
import { dataConverterFromEnv } from '../common/payloadCodec';
import { UserError } from './errors';
import { readLabState, DEFAULT_STATE_DIR, LabState } from './labState';

export interface TemporalTarget {
  address: string;
  namespace: string;
  uiUrl: string;
  lab?: LabState;
}

export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  stateDir?: string;
}

/**
 * Where Temporal is: `--address`, then TEMPORAL_ADDRESS, then a lab running from the state
 * directory, then the local default. When the lab is used, its runbooks home comes with it so
 * the client seals secrets with the key the lab's worker opens them with.
 */
export function resolveTemporal(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const lab = readLabState(flags.stateDir ?? DEFAULT_STATE_DIR);
  const address = flags.address ?? env.TEMPORAL_ADDRESS ?? lab?.temporalAddress ?? 'localhost:7233';
  const namespace = flags.namespace ?? env.TEMPORAL_NAMESPACE ?? lab?.namespace ?? DEFAULT_NAMESPACE;
  const fromLab = lab && address === lab.temporalAddress;
  if (fromLab && !env.PVE_RUNBOOKS_HOME) env.PVE_RUNBOOKS_HOME = lab.home;
  const uiUrl = env.TEMPORAL_UI_URL ?? (fromLab ? lab.uiUrl : defaultUiUrl(address));
  return { address, namespace, uiUrl, lab: fromLab ? lab : undefined };
}

/** The dev server's UI listens on the gRPC port + 1000. */
function defaultUiUrl(address: string): string {
  const m = /^(.*):(\d+)$/.exec(address);
  const host = m?.[1] ?? 'localhost';
  const port = m ? Number(m[2]) + 1000 : 8233;
  return `http://${host}:${port}`;
}

export function workflowUrl(t: TemporalTarget, workflowId: string, runId?: string): string {
  const base = `${t.uiUrl}/namespaces/${encodeURIComponent(t.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/**
 * A client of the target. With PVE_RUNBOOKS_PAYLOAD_KEY set, it encrypts what it sends and decrypts
 * what it reads with the payload codec the workers use (common/payloadCodec.ts); a malformed key
 * is reported before any connection is tried.
 */
export async function connectClient(t: TemporalTarget, env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  let dataConverter: ReturnType<typeof dataConverterFromEnv>;
  try {
    dataConverter = dataConverterFromEnv(env);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  try {
    const connection = await Connection.connect({ address: t.address, connectTimeout: '5 seconds' });
    return new Client({ connection, namespace: t.namespace, ...(dataConverter ? { dataConverter } : {}) });
  } catch (err) {
    throw new UserError(
      `cannot reach Temporal at ${t.address} (${(err as Error).message}). Start a lab (npm run lab), or pass --address / set TEMPORAL_ADDRESS.`,
    );
  }
}
