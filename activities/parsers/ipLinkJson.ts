import { z } from 'zod';
import { result } from './result';
import { check, jsonInt, readJsonDoc } from './json';

export const IpLinkJson = z.object({
  /** In the command's order (by ifindex). */
  links: z.array(
    z.object({
      /** `eno1`, `vmbr1`; a VLAN or veth peer without its `@parent` suffix. */
      ifname: z.string(),
      ifindex: z.number().int(),
      mtu: z.number().int(),
      /** The MTU range the driver accepts; needs `-d`, null without it. */
      minMtu: z.number().int().nullable(),
      /** Also null where the driver sets no upper bound, which the kernel reports as 0 (dummy, macvlan). */
      maxMtu: z.number().int().nullable(),
      /** UP | DOWN | UNKNOWN (bridges and dummies without carrier logic) | LOWERLAYERDOWN ... */
      operstate: z.string(),
      /** UP, LOWER_UP, BROADCAST, MULTICAST, NO-CARRIER... */
      flags: z.array(z.string()),
      /** The bridge or bond this link is a port of. */
      master: z.string().nullable(),
      /** linkinfo.info_kind with `-d`: bridge, bond, vlan, veth, macvlan...; null for plain NICs and without `-d`. */
      kind: z.string().nullable(),
      /** ether | loopback | none ... */
      linkType: z.string().nullable(),
      /** The link-layer address; null for links without one (tunnels, or when filtered out). */
      mac: z.string().nullable(),
    }),
  ),
});
export type IpLinkJson = z.infer<typeof IpLinkJson>;

const Link = z.looseObject({
  ifindex: jsonInt,
  ifname: z.string(),
  mtu: jsonInt,
  min_mtu: jsonInt.optional(),
  max_mtu: jsonInt.optional(),
  operstate: z.string(),
  flags: z.array(z.string()).optional(),
  master: z.string().optional(),
  link_type: z.string().optional(),
  address: z.string().optional(),
  linkinfo: z.looseObject({ info_kind: z.string().optional() }).optional(),
});
const Input = z.array(z.looseObject({}), { error: 'expected the list of links' });

/** `ip -j [-d] link show` (iproute2 4.13+). */
export function parseIpLinkJson(text: string): IpLinkJson {
  const kind = 'ip-link-json';
  const doc = readJsonDoc(kind, text);
  const entries = check(kind, doc, Input);
  return result(kind, IpLinkJson, {
    links: entries.flatMap((entry, i) => {
      // iproute2 prints an empty object for every link a filter (`type`, `master`) leaves out.
      if (Object.keys(entry).length === 0) return [];
      const l = check(kind, doc, Link, entry, [i]);
      return [
        {
          ifname: l.ifname,
          ifindex: l.ifindex,
          mtu: l.mtu,
          minMtu: l.min_mtu ?? null,
          maxMtu: l.max_mtu || null,
          operstate: l.operstate,
          flags: l.flags ?? [],
          master: l.master ?? null,
          kind: l.linkinfo?.info_kind ?? null,
          linkType: l.link_type ?? null,
          mac: l.address ?? null,
        },
      ];
    }),
  });
}
