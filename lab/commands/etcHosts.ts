import type { IFileSystem } from 'just-bash';

export interface HostEntry {
  address: string;
  /** The first name on the line, which the resolver reports as canonical. */
  canonical: string;
}

/** Looks a name up in /etc/hosts the way glibc's `files` source does (first matching line wins). */
export async function lookupHost(fs: IFileSystem, name: string): Promise<HostEntry | undefined> {
  const hosts = await fs.readFile('/etc/hosts').catch(() => '');
  for (const line of hosts.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address && names.some((n) => n.toLowerCase() === name.toLowerCase())) return { address, canonical: names[0] as string };
  }
  return undefined;
}

export interface HostsLine {
  address: string;
  names: string[];
}

/** Every usable line of /etc/hosts, in order. */
export async function hostsLines(fs: IFileSystem): Promise<HostsLine[]> {
  const hosts = await fs.readFile('/etc/hosts').catch(() => '');
  const out: HostsLine[] = [];
  for (const line of hosts.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address && names.length) out.push({ address, names });
  }
  return out;
}
