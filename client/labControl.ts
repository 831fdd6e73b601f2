import * as http from 'node:http';
import { z } from 'zod';
import type { Lab } from '../lab/lab';

/**
 * A small HTTP API on 127.0.0.1 through which the CLI (and tests in other processes) reach a
 * running lab: the stand-in for IPMI (power) and a way to inject faults while a runbook runs.
 */
const FaultBody = z.union([
  z.object({ node: z.string(), auth: z.literal('refuse') }).strict(),
  z
    .object({
      node: z.string().optional(),
      match: z.string(),
      action: z.union([
        z.object({ kind: z.literal('fail'), exitCode: z.number().int().default(1), stderr: z.string().default('') }),
        z.object({ kind: z.literal('hang') }),
        z.object({ kind: z.literal('drop') }),
        z.object({ kind: z.literal('delay'), labMs: z.number().nonnegative() }),
        z
          .object({ kind: z.literal('garble'), truncateAt: z.number().int().nonnegative().optional(), flip: z.number().int().nonnegative().optional() })
          .refine((g) => g.truncateAt !== undefined || !!g.flip, 'garble needs truncateAt or flip'),
      ]),
      times: z.number().int().positive().optional(),
    })
    .strict(),
]);
export type FaultBody = z.infer<typeof FaultBody>;

const PowerBody = z.object({ node: z.string(), state: z.enum(['on', 'off']), silent: z.boolean().optional() }).strict();

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

export async function startLabControl(lab: Lab): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === 'POST' && req.url === '/faults') {
        const b = FaultBody.parse(await readJson(req));
        if ('auth' in b) lab.node(b.node);
        lab.faults.add('auth' in b ? { node: b.node, auth: 'refuse' } : { ...b, match: new RegExp(b.match) });
        return reply(200, { ok: true });
      }
      if (req.method === 'POST' && req.url === '/power') {
        const b = PowerBody.parse(await readJson(req));
        const node = lab.node(b.node);
        if (b.state === 'on') await node.powerOn();
        else await node.powerOff({ silent: b.silent });
        return reply(200, { ok: true, node: b.node, powered: node.powered });
      }
      if (req.method === 'GET' && req.url?.startsWith('/log')) {
        const node = new URL(req.url, 'http://x').searchParams.get('node') ?? undefined;
        return reply(200, lab.log.entries(node ? { node } : undefined));
      }
      reply(404, { error: `no such endpoint: ${req.method} ${req.url}` });
    } catch (err) {
      reply(400, { error: err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function callLab(controlUrl: string, method: 'GET' | 'POST', pathname: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${controlUrl}${pathname}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { error?: string };
  if (!res.ok) throw new Error(json.error ?? `lab answered ${res.status}`);
  return json;
}
