import type { ExecResult } from 'just-bash';
import { fail, ok, type LabCommand, type NodeContext } from '../commands/types';
import { network, parseCidr } from './ipv4';
import { writeJson, type JsonValue } from './jsonWriter';
import { addrInfo, detailText, linkHeader, linkJson, linkLine, linkView, type ShowOptions } from './ipShow';
import { LinkError, type Link } from './links';

interface Globals {
  oneline: boolean;
  brief: boolean;
  json: boolean;
  pretty: boolean;
  details: boolean;
  family: 'all' | 'inet' | 'inet6';
}

/** iproute2's matches(): a word selects a keyword it is a prefix of. */
function matches(word: string | undefined, keyword: string): boolean {
  return !!word && word.length > 0 && keyword.startsWith(word);
}

const OPTIONS: [string, (g: Globals) => void][] = [
  ['-oneline', (g) => (g.oneline = true)],
  ['-brief', (g) => (g.brief = true)],
  ['-json', (g) => (g.json = true)],
  ['-pretty', (g) => (g.pretty = true)],
  ['-details', (g) => (g.details = true)],
];

function parseGlobals(args: string[]): { globals: Globals; rest: string[] } | ExecResult {
  const globals: Globals = { oneline: false, brief: false, json: false, pretty: false, details: false, family: 'all' };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('-')) break;
    const opt = a.startsWith('--') ? a.slice(1) : a;
    if (opt === '-4') globals.family = 'inet';
    else if (opt === '-6') globals.family = 'inet6';
    else if (opt === '-br') globals.brief = true;
    else if (opt === '-o') globals.oneline = true;
    else if (opt === '-j') globals.json = true;
    else if (opt === '-p') globals.pretty = true;
    else if (opt === '-d') globals.details = true;
    else if (matches(opt.slice(1), 'family') && opt.length > 1) {
      const f = args[++i];
      if (f === 'inet' || f === 'inet6') globals.family = f;
      else return fail(`Error: argument "${f ?? ''}" is wrong: invalid address family\n`, 255);
    } else {
      const hit = OPTIONS.find(([name]) => name.startsWith(opt) && opt.length > 1);
      if (!hit) return fail(`Option "${a}" is unknown, try "ip -help".\n`, 255);
      hit[1](globals);
    }
  }
  return { globals, rest: args.slice(i) };
}

/** `dev NAME` or a bare NAME. */
function deviceArg(words: string[]): string | undefined {
  const at = words.indexOf('dev');
  if (at >= 0) return words[at + 1];
  return words.find((w) => !['show', 'list', 'lst', 's', 'up'].includes(w));
}

function showOptions(node: NodeContext, g: Globals): ShowOptions {
  return { details: g.details, pveMajor: node.release.major };
}

function showLinks(node: NodeContext, g: Globals, words: string[]): ExecResult {
  const links = node.net.links;
  const dev = deviceArg(words);
  const list = dev ? links.all().filter((l) => l.name === dev) : links.all();
  if (dev && list.length === 0) return fail(`Device "${dev}" does not exist.\n`);
  if (g.json) return ok(writeJson(list.map((l) => linkJson(links, l, showOptions(node, g)) as JsonValue), g.pretty));
  let out = '';
  for (const l of list) {
    if (g.brief) {
      const v = linkView(links, l);
      out += `${l.name.padEnd(16)} ${v.operstate.padEnd(14)} ${l.mac} <${v.flags.join(',')}> \n`;
      continue;
    }
    const lines = [linkHeader(links, l, true), ...`${linkLine(links, l)}${g.details ? detailText(l, showOptions(node, g)) : ''}`.split('\n'), ...(l.altname ? [`    altname ${l.altname}`] : [])];
    out += g.oneline ? `${lines.join('\\')}\n` : `${lines.join('\n')}\n`;
  }
  return ok(out);
}

function inet6Scope(cidr: string): string {
  return cidr.startsWith('::1/') ? 'host noprefixroute' : 'link';
}

function showAddrs(node: NodeContext, g: Globals, words: string[]): ExecResult {
  const links = node.net.links;
  const dev = deviceArg(words);
  const list = dev ? links.all().filter((l) => l.name === dev) : links.all();
  if (dev && list.length === 0) return fail(`Device "${dev}" does not exist.\n`);
  const v4 = (l: Link) => (g.family === 'inet6' ? [] : l.inet);
  const v6 = (l: Link) => (g.family === 'inet' ? [] : l.inet6);
  if (g.json) {
    const items = list
      .filter((l) => g.family === 'all' || addrInfo(l, g.family).length > 0)
      .map((l) => ({ ...linkJson(links, l, { ...showOptions(node, g), forAddr: true }), addr_info: addrInfo(l, g.family) }) as JsonValue);
    return ok(writeJson(items, g.pretty));
  }
  let out = '';
  for (const l of list) {
    const scope = l.kind === 'loopback' ? 'host' : 'global';
    if (g.brief) {
      out += `${l.name.padEnd(16)} ${linkView(links, l).operstate.padEnd(14)} ${[...v4(l), ...v6(l)].map((a) => `${a} `).join('')}\n`;
      continue;
    }
    if (g.oneline) {
      for (const a of v4(l)) out += `${l.index}: ${l.name}    inet ${a} scope ${scope} ${l.name}\\       valid_lft forever preferred_lft forever\n`;
      for (const a of v6(l)) out += `${l.index}: ${l.name}    inet6 ${a} scope ${inet6Scope(a)} \\       valid_lft forever preferred_lft forever\n`;
      continue;
    }
    if (g.family !== 'all' && v4(l).length === 0 && v6(l).length === 0) continue;
    out += `${linkHeader(links, l, false)}\n`;
    if (g.family === 'all') out += `${linkLine(links, l)}\n${l.altname ? `    altname ${l.altname}\n` : ''}`;
    for (const a of v4(l)) out += `    inet ${a} scope ${scope} ${l.name}\n       valid_lft forever preferred_lft forever\n`;
    for (const a of v6(l)) out += `    inet6 ${a} scope ${inet6Scope(a)} \n       valid_lft forever preferred_lft forever\n`;
  }
  return ok(out);
}

function changeAddr(node: NodeContext, action: 'add' | 'del' | 'flush', words: string[]): ExecResult {
  const links = node.net.links;
  const dev = words[words.indexOf('dev') + 1];
  if (words.indexOf('dev') < 0 || !dev) return fail('Not enough information: "dev" argument is required.\n');
  if (!links.get(dev)) return fail(`Cannot find device "${dev}"\n`);
  if (action === 'flush') {
    (links.get(dev) as Link).inet = [];
    return ok();
  }
  const raw = words.find((w, i) => i !== words.indexOf('dev') + 1 && w !== 'dev' && !['local', 'brd', 'broadcast', 'scope', 'label'].includes(w));
  const cidr = raw && !raw.includes('/') ? `${raw}/32` : raw;
  if (!cidr || !parseCidr(cidr)) return fail(`Error: any valid prefix is expected rather than "${raw ?? ''}".\n`);
  try {
    if (action === 'add') links.addAddress(dev, cidr);
    else links.delAddress(dev, raw as string);
  } catch (err) {
    if (err instanceof LinkError) return fail(`${err.message}\n`, 2);
    throw err;
  }
  return ok();
}

function setLink(node: NodeContext, words: string[]): ExecResult {
  const links = node.net.links;
  const rest = words[0] === 'dev' ? words.slice(1) : words;
  const dev = rest[0];
  if (!dev) return fail('Not enough information: "dev" argument is required.\n');
  if (!links.get(dev)) return fail(`Cannot find device "${dev}"\n`);
  try {
    for (let i = 1; i < rest.length; i++) {
      const w = rest[i] as string;
      if (w === 'up' || w === 'down') node.net.setUp(dev, w === 'up');
      else if (w === 'mtu') {
        const n = Number(rest[++i]);
        if (!Number.isInteger(n) || n < 0) return fail(`Error: argument "${rest[i] ?? ''}" is wrong: Invalid "mtu" value\n\n`, 255);
        links.setMtu(dev, n);
      } else if (w === 'master') {
        const bridge = rest[++i] ?? '';
        if (!links.get(bridge)) return fail(`Device does not exist\n`, 255);
        links.setMaster(dev, bridge);
      } else if (w === 'nomaster') links.setNoMaster(dev);
      else return fail(`Error: either "dev" is duplicate, or "${w}" is a garbage.\n`, 255);
    }
  } catch (err) {
    if (err instanceof LinkError) return fail(`${err.message}\n`, 2);
    throw err;
  }
  return ok();
}

function showRoutes(node: NodeContext): ExecResult {
  const links = node.net.links;
  let out = '';
  const gw = links.defaultRoute;
  if (gw && links.get(gw.dev)?.up) out += `default via ${gw.gateway} dev ${gw.dev} proto kernel onlink \n`;
  const connected: { net: string; line: string }[] = [];
  for (const l of links.all()) {
    if (!l.up || l.master || l.kind === 'loopback') continue;
    for (const c of l.inet) {
      const cidr = parseCidr(c);
      if (cidr) connected.push({ net: network(cidr), line: `${network(cidr)} dev ${l.name} proto kernel scope link src ${cidr.address} ${linkView(links, l).operstate === 'UP' ? '' : 'linkdown '}\n` });
    }
  }
  connected.sort((a, b) => a.net.localeCompare(b.net, 'en', { numeric: true }));
  return ok(out + connected.map((c) => c.line).join(''));
}

function routeGet(node: NodeContext, words: string[]): ExecResult {
  const dst = words.find((w) => /^\d+\.\d+\.\d+\.\d+$/.test(w));
  if (!dst) return fail('Error: any valid prefix is expected rather than "' + (words[0] ?? '') + '".\n');
  const route = node.net.links.route(dst);
  if (!route) return fail('RTNETLINK answers: Network is unreachable\n', 2);
  if (route.dev === 'lo') return ok(`local ${dst} dev lo src ${route.src} uid 0 \n    cache <local> \n`);
  return ok(`${dst} ${route.gateway ? `via ${route.gateway} ` : ''}dev ${route.dev} src ${route.src} uid 0 \n    cache \n`);
}

/** iproute2's `ip`: addr, link and route over the node's network (see lab/net). */
export const ip: LabCommand = {
  name: 'ip',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const parsed = parseGlobals(args);
    if ('exitCode' in parsed) return parsed;
    const { globals, rest } = parsed;
    const [object, verb, ...more] = rest;
    if (object === undefined) return fail('Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n', 255);
    if (matches(object, 'address')) {
      if (verb === undefined || matches(verb, 'show') || verb === 'list' || verb === 'lst') return showAddrs(node, globals, more);
      if (verb === 'add' || verb === 'del' || verb === 'delete' || verb === 'flush') return changeAddr(node, verb === 'delete' ? 'del' : verb, more);
      if (verb === 'dev') return showAddrs(node, globals, [verb, ...more]);
      return fail(`Command "${verb}" is unknown, try "ip address help".\n`, 255);
    }
    if (matches(object, 'link')) {
      if (verb === undefined || matches(verb, 'show') || verb === 'list' || verb === 'lst') return showLinks(node, globals, more);
      if (verb === 'set') return setLink(node, more);
      if (verb === 'dev') return showLinks(node, globals, [verb, ...more]);
      return fail(`Command "${verb}" is unknown, try "ip link help".\n`, 255);
    }
    if (matches(object, 'route')) {
      if (verb === undefined || matches(verb, 'show') || verb === 'list') return showRoutes(node);
      if (verb === 'get') return routeGet(node, more);
      return fail(`Command "${verb}" is unknown, try "ip route help".\n`, 255);
    }
    return fail(`Object "${object}" is unknown, try "ip help".\n`, 255);
  },
};
