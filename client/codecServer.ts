// `pve-runbooks codec-server`: the HTTP codec endpoint the Temporal Web UI (and `temporal` CLI's
// --codec-endpoint) call to show encrypted payloads in clear, and to encrypt what an operator
// sends from the UI (signals, updates). Temporal's remote codec protocol: POST /encode and
// POST /decode (optionally under a path prefix such as /NAMESPACE/decode) with a JSON body
// {"payloads": [{"metadata": {KEY: BASE64}, "data": BASE64}]}, answered in the same shape.
// CORS lets the Web UI's origin call it from the browser.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { PAYLOAD_KEY_ENV, payloadCodecFromEnv } from '../common/payloadCodec';
import { connectionOptions, intOption } from './commands';
import { resolveTemporal } from './connection';
import { UserError } from './errors';

export interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** 0 for any free port. */
  port: number;
  host: string;
  /** Browser origins allowed to call it (exact `scheme://host[:port]`); requests without an Origin header are always served. */
  origins: string[];
  /** Largest request body accepted, in bytes (default 16 MiB). */
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

export interface CodecServer {
  url: string;
  port: number;
  /** Allows more browser origins (the lab learns its Web UI's port only after starting this server). */
  allowOrigins(origins: string[]): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const B64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function fromBase64(v: unknown, where: string): Uint8Array {
  if (typeof v !== 'string' || !B64.test(v)) throw new HttpError(400, `${where} must be a base64 string`);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/** A payload of the protocol's JSON (proto3 JSON of temporal.api.common.v1.Payload) as the SDK's Payload. */
export function payloadFromJson(p: unknown, i: number): Payload {
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new HttpError(400, `payloads[${i}] must be an object with metadata and data`);
  const { metadata, data } = p as JsonPayload;
  if (metadata != null && (typeof metadata !== 'object' || Array.isArray(metadata))) throw new HttpError(400, `payloads[${i}].metadata must be an object of base64 strings`);
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, fromBase64(v, `payloads[${i}].metadata.${k}`)])),
    data: data == null ? new Uint8Array() : fromBase64(data, `payloads[${i}].data`),
  };
}

export function payloadToJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

/** The default allowed origin: the Web UI's, and its localhost/127.0.0.1 twin (a browser may use either). */
export function defaultOrigins(uiUrl: string): string[] {
  const u = new URL(uiUrl);
  const out = [u.origin];
  const twin = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname === '127.0.0.1' ? 'localhost' : undefined;
  if (twin) out.push(`${u.protocol}//${twin}${u.port ? `:${u.port}` : ''}`);
  return out;
}

function normalizeOrigin(o: string): string {
  try {
    const origin = new URL(o).origin;
    if (origin === 'null') throw new Error('no origin');
    return origin;
  } catch {
    throw new UserError(`--origin ${o} is not a URL such as http://localhost:8080`);
  }
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        // Stop buffering but drain the rest, so the 413 can still be answered.
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `request body over ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the codec endpoint; resolves once it listens. */
export async function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set(opts.origins.map(normalizeOrigin));
  const max = opts.maxBodyBytes ?? 16 << 20;
  const log = opts.log ?? (() => {});

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!origins.has(origin)) throw new HttpError(403, `origin ${origin} is not allowed; start the codec server with --origin ${origin}`);
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    const path = new URL(req.url ?? '/', 'http://codec').pathname;
    const op = /\/(encode|decode)\/?$/.exec(path)?.[1] as 'encode' | 'decode' | undefined;
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'content-type, x-namespace, authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    if (!op) throw new HttpError(404, `no such endpoint ${path}: POST /encode or /decode`);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, OPTIONS');
      throw new HttpError(405, `${req.method} ${path}: use POST`);
    }
    const raw = await readBody(req, max);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new HttpError(400, `the body is not JSON (${(err as Error).message}); send {"payloads": [{"metadata": {...}, "data": "BASE64"}]}`);
    }
    const list = (body as { payloads?: unknown } | null)?.payloads;
    if (!Array.isArray(list)) throw new HttpError(400, 'the body must be {"payloads": [...]}');
    const payloads = list.map(payloadFromJson);
    let out: Payload[];
    try {
      out = op === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
    } catch (err) {
      throw new HttpError(422, (err as Error).message);
    }
    res.setHeader('Content-Type', 'application/json');
    res.writeHead(200).end(JSON.stringify({ payloads: out.map(payloadToJson) }));
    log(`${op} ${payloads.length} payload(s)${req.headers['x-namespace'] ? ` (namespace ${req.headers['x-namespace']})` : ''}`);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      log(`${req.method} ${req.url}: ${status} ${message}`);
      if (res.headersSent) return void res.end();
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Connection', 'close');
      res.writeHead(status).end(JSON.stringify({ error: message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`,
    port,
    allowOrigins: (more) => {
      for (const o of more) origins.add(normalizeOrigin(o));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface CodecServerFlags {
  port: number;
  listen: string;
  origin?: string[];
  address?: string;
  namespace?: string;
  stateDir?: string;
}

/** The codec of this environment, or a UserError saying how to give it one. */
export function requireCodec(env: NodeJS.ProcessEnv = process.env): PayloadCodec {
  let codec: PayloadCodec | undefined;
  try {
    codec = payloadCodecFromEnv(env);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  if (!codec) {
    throw new UserError(
      `the codec server needs the payload key: set ${PAYLOAD_KEY_ENV} to the key of your clients and workers (a new one: \`openssl rand -base64 32\`).`,
    );
  }
  return codec;
}

/** `pve-runbooks codec-server`: runs until Ctrl-C or SIGTERM. */
export async function runCodecServer(flags: CodecServerFlags): Promise<void> {
  const codec = requireCodec();
  const origins = flags.origin?.length ? flags.origin : defaultOrigins(resolveTemporal(flags).uiUrl);
  const server = await startCodecServer({
    codec,
    port: flags.port,
    host: flags.listen,
    origins,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  }).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`cannot listen on ${flags.listen}:${flags.port} (${err.code ?? err.message}); choose another --port or --listen.`);
  });
  process.stdout.write(
    [
      `codec server on ${server.url} (POST /encode, /decode), for the origins ${origins.join(', ')}`,
      `  Web UI: set its codec endpoint to ${server.url} (temporal server start-dev --ui-codec-endpoint ${server.url}, TEMPORAL_CODEC_ENDPOINT for the temporalio/ui image, or the UI's Data Encoder settings)`,
      `  CLI:    temporal workflow show --codec-endpoint ${server.url} ...`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
}

export function codecServerCommand(run: (fn: () => Promise<number | void>) => Promise<void>): Command {
  return connectionOptions(
    new Command('codec-server')
      .description(`serve the payload codec (${PAYLOAD_KEY_ENV}) over HTTP for the Temporal Web UI and CLI: POST /encode and /decode`)
      .option('--port <port>', 'port to listen on', intOption('--port', 0, 65535), 8081)
      .option('--listen <ip>', 'address to listen on (whoever reaches it can decrypt payloads: keep it private)', '127.0.0.1')
      .option('--origin <url...>', "browser origins allowed to call it (default: the Web UI's, from --address, TEMPORAL_UI_URL or the running lab)"),
  ).action((opts: CodecServerFlags) => run(() => runCodecServer(opts)));
}
