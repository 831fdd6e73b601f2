import type { ExecResult } from 'just-bash';
import { LockTimeout } from '../../cluster';
import { isResult, parseParams } from '../../commands/pveCli';
import { type NodeContext } from '../../commands/types';
import { availableReleases, CEPH_RELEASES, debianCodename, DEFAULT_CEPH, renderedRelease, repositories, type CephCodename, type CephRelease } from '../releases';
import { enumErrors } from './pveParams';

const USAGE = 'pveceph install  [OPTIONS]';
const APT_LOCK = '/var/lib/dpkg/lock-frontend';

/** Lab ms of the install's stages: the package lists, the download, unpacking and configuring. */
const UPDATE_MS = 4_000;
const DOWNLOAD_MS = 15_000;
const SETUP_MS = 20_000;
const NOTHING_TO_DO_MS = 1_500;
const RELOAD_MS = 1_000;

/** The daemons' binaries (PVE::Ceph::Tools' $ceph_service) and the data directories the packages create. */
const DAEMON_BINARIES = ['/usr/bin/ceph-mon', '/usr/bin/ceph-mgr', '/usr/bin/ceph-osd', '/usr/bin/ceph-mds'];
const DATA_DIRS = ['bootstrap-mds', 'bootstrap-mgr', 'bootstrap-osd', 'bootstrap-rbd', 'bootstrap-rbd-mirror', 'bootstrap-rgw', 'crash', 'mds', 'mgr', 'mon', 'osd', 'tmp'];

const NEW_PACKAGES = 'ceph ceph-base ceph-mds ceph-mgr ceph-mgr-modules-core ceph-mon ceph-osd ceph-volume cryptsetup-bin gdisk libparted2 libsqlite3-mod-ceph nvme-cli python3-autocommand python3-bcrypt python3-cherrypy3 python3-jaraco.text python3-natsort python3-pecan python3-simplejson python3-webob python3-werkzeug sudo';
const CLIENT_PACKAGES = 'ceph-common ceph-fuse libcephfs2 librados2 libradosstriper1 librbd1 librgw2 python3-ceph-argparse python3-ceph-common python3-cephfs python3-rados python3-rbd python3-rgw';

function wrap(words: string, indent = '  ', width = 80): string {
  const lines: string[] = [];
  let line = indent;
  for (const w of words.split(' ')) {
    if (line.length + w.length + 1 > width && line.trim()) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${w} `;
  }
  lines.push(line.trimEnd());
  return `${lines.join('\n')}\n`;
}

/** What pveceph writes for the repository: one-line ceph.list on PVE 8, deb822 ceph.sources on PVE 9. */
function repositoryFile(major: 8 | 9, release: CephCodename, repo: string): { path: string; text: string } {
  const cdn = repo === 'enterprise' ? 'https://enterprise.proxmox.com' : 'http://download.proxmox.com';
  const suite = debianCodename(major);
  if (major === 8) return { path: '/etc/apt/sources.list.d/ceph.list', text: `deb ${cdn}/debian/ceph-${release} ${suite} ${repo}\n` };
  return {
    path: '/etc/apt/sources.list.d/ceph.sources',
    text: `Types: deb\nURIs: ${cdn}/debian/ceph-${release}\nSuites: ${suite}\nComponents: ${repo}\nSigned-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n`,
  };
}

function repoWarning(repo: string): string {
  if (repo === 'enterprise') return '\nWARN: Enterprise repository selected, but no active subscription!\n\n';
  if (repo === 'no-subscription') return '\nHINT: The no-subscription repository is not the best choice for production setups.\nProxmox recommends using the enterprise repository with a valid subscription.\n';
  if (repo === 'test') return '\nWARN: The test repository should only be used for test setups or after consulting the official Proxmox support!\n\n';
  return '';
}

/** Versions of the Debian packages apt mentions around Ceph's, per PVE major (bookworm, trixie). */
const DEBIAN_VERSIONS = {
  8: { gdisk: '1.0.9-2.1', nvme: '2.4+really2.3-3', manDb: '2.11.2-2', libc: '2.36-9+deb12u10' },
  9: { gdisk: '1.0.10-2', nvme: '2.13-2', manDb: '2.13.1-1', libc: '2.41-12' },
} as const;

/** apt-get install's report when the release is already there. */
function nothingToDo(r: CephRelease, major: 8 | 9): string {
  const deb = DEBIAN_VERSIONS[major];
  const pkgs = ['ceph', 'ceph-common', 'ceph-fuse', 'ceph-mds', 'ceph-volume'].map((p) => `${p} is already the newest version (${r.debVersion}).\n`).join('');
  return `Reading package lists...\nBuilding dependency tree...\nReading state information...\n${pkgs}gdisk is already the newest version (${deb.gdisk}).\nnvme-cli is already the newest version (${deb.nvme}).\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n`;
}

function installReport(r: CephRelease, major: 8 | 9, repo: string, upgrade: boolean): { head: string; fetch: string; setup: string } {
  const suite = debianCodename(major);
  const host = repo === 'enterprise' ? 'https://enterprise.proxmox.com' : 'http://download.proxmox.com';
  const newCount = NEW_PACKAGES.split(' ').length;
  const upCount = upgrade ? CLIENT_PACKAGES.split(' ').length : 0;
  let head = 'Reading package lists...\nBuilding dependency tree...\nReading state information...\n';
  head += `The following NEW packages will be installed:\n${wrap(NEW_PACKAGES)}`;
  if (upgrade) head += `The following packages will be upgraded:\n${wrap(CLIENT_PACKAGES)}`;
  head += `${upCount} upgraded, ${newCount} newly installed, 0 to remove and 0 not upgraded.\nNeed to get 74.6 MB of archives.\nAfter this operation, 289 MB of additional disk space will be used.\n`;
  const cephPkgs = [...(upgrade ? CLIENT_PACKAGES.split(' ') : []), ...NEW_PACKAGES.split(' ').filter((p) => p.startsWith('ceph'))];
  const fetch = `${cephPkgs.map((p, i) => `Get:${i + 1} ${host}/debian/ceph-${r.codename} ${suite}/${repo} amd64 ${p} amd64 ${r.debVersion}`).join('\n')}\nFetched 74.6 MB in 9s (8,290 kB/s)\n`;
  const deb = DEBIAN_VERSIONS[major];
  const setup = `${cephPkgs.map((p) => `Setting up ${p} (${r.debVersion}) ...`).join('\n')}\nProcessing triggers for man-db (${deb.manDb}) ...\nProcessing triggers for libc-bin (${deb.libc}) ...\n`;
  return { head, fetch, setup };
}

/** Puts the daemons' binaries and data directories in place, as dpkg does when the packages are set up. */
async function installFiles(node: NodeContext, r: CephRelease): Promise<void> {
  const program = (name: string) => ({ content: `#!/bin/sh\n# ${name}: provided by the lab twin\n`, mode: 0o755 });
  for (const path of DAEMON_BINARIES) {
    const p = program(path.slice(path.lastIndexOf('/') + 1));
    await node.fs.writeFile(path, p.content);
    await node.fs.chmod(path, p.mode);
  }
  // ceph-volume is a twin command: its dispatch point in /usr/bin, its real path in /usr/sbin.
  await node.fs.writeFile('/usr/bin/ceph-volume', program('ceph-volume').content);
  await node.fs.chmod('/usr/bin/ceph-volume', 0o755);
  await node.fs.writeFile('/usr/sbin/ceph-volume', '#!/bin/sh\nexec /usr/bin/ceph-volume "$@"\n');
  await node.fs.chmod('/usr/sbin/ceph-volume', 0o755);
  for (const dir of DATA_DIRS) await node.fs.mkdir(`/var/lib/ceph/${dir}`, { recursive: true });
  await node.fs.mkdir('/etc/ceph', { recursive: true });
  node.ceph.setPackages(node.name, { common: r, daemons: r });
}

/**
 * `pveceph install` as PVE::CLI::pveceph does it: repository and version checked against the
 * node's PVE release, the repository file written, then apt. No terminal ever reaches a lab
 * command, so it never asks (the real one asks only on a terminal and without --version).
 */
export async function install(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const major = node.release.major;
  const versions = availableReleases(major);
  const repos = repositories(major);
  const params = parseParams(USAGE, args, [], { version: { type: 'string' }, repository: { type: 'string' }, 'allow-experimental': { type: 'boolean' } });
  if (isResult(params)) return params;
  const bad = enumErrors(USAGE, params, { version: versions, repository: repos });
  if (bad) return bad;
  const codename = (params['version'] as CephCodename | undefined) ?? DEFAULT_CEPH;
  const repo = (params['repository'] as string | undefined) ?? 'enterprise';
  const release = CEPH_RELEASES[codename];
  let stdout = '';
  const stderr = repoWarning(repo);
  if (repo !== 'manual') {
    const file = repositoryFile(major, codename, repo);
    await node.fs.writeFile(file.path, file.text);
  }
  const sleep = (ms: number) => node.clock.sleep(ms, signal);
  try {
    stdout += 'update available package list\n';
    await sleep(UPDATE_MS);
    stdout += 'start installation\n';
    const installed = node.ceph.packages(node.name);
    const outcome = await node.cluster.lock(node.name, APT_LOCK, 0, signal, async () => {
      if (installed.daemons?.codename === codename) {
        await sleep(NOTHING_TO_DO_MS);
        return nothingToDo(release, major);
      }
      const rep = installReport(release, major, repo, installed.common.codename !== codename);
      await sleep(DOWNLOAD_MS);
      await sleep(SETUP_MS);
      await installFiles(node, release);
      return `${rep.head}${rep.fetch}${rep.setup}`;
    });
    stdout += outcome;
  } catch (err) {
    if (err instanceof LockTimeout) {
      return {
        stdout,
        stderr: `${stderr}E: Could not get lock ${APT_LOCK}. It is held by process 4242 (apt-get)\nN: Be aware that removing the lock file is not a solution and may break your system.\nE: Unable to acquire the dpkg frontend lock (${APT_LOCK}), is another process using it?\napt failed during ceph installation (25600)\n`,
        exitCode: 255,
      };
    }
    return { stdout, stderr, exitCode: 130 };
  }
  stdout += `\ninstalled Ceph ${renderedRelease(release)} successfully!\n\nreloading API to load new Ceph RADOS library...\n`;
  try {
    await sleep(RELOAD_MS);
  } catch {
    return { stdout, stderr, exitCode: 130 };
  }
  return { stdout, stderr, exitCode: 0 };
}
