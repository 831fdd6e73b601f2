import { z } from 'zod';
import { result } from './result';
import { check, jsonInt, readJsonDoc } from './json';

export const IpAddrJson = z.object({
  interfaces: z.array(
    z.object({
      ifname: z.string(),
      ifindex: z.number().int(),
      mtu: z.number().int(),
      operstate: z.string(),
      /** The bridge or bond this interface is a port of: its address, if any, is not used. */
      master: z.string().nullable(),
      /** IPv4 and IPv6 addresses, in the command's order. */
      addresses: z.array(
        z.object({
          family: z.enum(['inet', 'inet6']),
          /** `10.0.0.11` */
          local: z.string(),
          /** 24 */
          prefixlen: z.number().int(),
          /** global | link | host */
          scope: z.string().nullable(),
          /** `vmbr0`, `vmbr0:1` for an aliased address; IPv6 addresses have none. */
          label: z.string().nullable(),
        }),
      ),
    }),
  ),
});
export type IpAddrJson = z.infer<typeof IpAddrJson>;

const Address = z.looseObject({
  family: z.string(),
  local: z.string(),
  prefixlen: jsonInt,
  scope: z.string().optional(),
  label: z.string().optional(),
});
const Interface = z.looseObject({
  ifindex: jsonInt,
  ifname: z.string(),
  mtu: jsonInt,
  operstate: z.string(),
  master: z.string().optional(),
  addr_info: z.array(z.looseObject({})).optional(),
});
const Input = z.array(z.looseObject({}), { error: 'expected the list of interfaces' });

/** `ip -j addr show` (iproute2 4.13+). */
export function parseIpAddrJson(text: string): IpAddrJson {
  const kind = 'ip-addr-json';
  const doc = readJsonDoc(kind, text);
  const entries = check(kind, doc, Input);
  return result(kind, IpAddrJson, {
    interfaces: entries.flatMap((entry, i) => {
      // iproute2 prints an empty object for every interface a filter (`dev`, `type`, `-4`) leaves out.
      if (Object.keys(entry).length === 0) return [];
      const itf = check(kind, doc, Interface, entry, [i]);
      const addresses = (itf.addr_info ?? []).flatMap((a, j) => {
        // Likewise `{}` inside addr_info for an address a filter leaves out.
        if (Object.keys(a).length === 0) return [];
        const addr = check(kind, doc, Address, a, [i, 'addr_info', j]);
        if (addr.family !== 'inet' && addr.family !== 'inet6') return [];
        return [{ family: addr.family, local: addr.local, prefixlen: addr.prefixlen, scope: addr.scope ?? null, label: addr.label ?? null }];
      });
      return [{ ifname: itf.ifname, ifindex: itf.ifindex, mtu: itf.mtu, operstate: itf.operstate, master: itf.master ?? null, addresses }];
    }),
  });
}
