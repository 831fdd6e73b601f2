import { ApplicationFailure } from '@temporalio/common';
import { parseHaGroupsCfg, parseHaResourcesCfg, parseHaRulesCfg, parseHaStatusJson } from '../parsers';
import type { HaStatusJson } from '../parsers';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { cmd } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { readOutput } from '../ssh/readOutput';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';
import type { HaSettings } from '../../common/hyperConverged';

/** `name` is the group's or rule's, for a rollback. */
type Step = { status: 'done' | 'already' | 'updated'; name?: string };

const HA_CONFIG = [
  section('resources', 'cat /etc/pve/ha/resources.cfg 2>/dev/null || true'),
  section('groups', 'cat /etc/pve/ha/groups.cfg 2>/dev/null || true'),
  section('rules', 'cat /etc/pve/ha/rules.cfg 2>/dev/null || true'),
].join('; ');

/** The cluster's HA configuration, read from the files ha-manager writes (the same on PVE 8 and 9). */
export async function haConfig(remote: Remote) {
  const s = parseSections(await remote.check(HA_CONFIG, { label: 'read /etc/pve/ha' }));
  const t = remote.target;
  return {
    resources: readOutput(t, '/etc/pve/ha/resources.cfg', () => parseHaResourcesCfg(s.resources ?? '')).resources,
    groups: readOutput(t, '/etc/pve/ha/groups.cfg', () => parseHaGroupsCfg(s.groups ?? '')).groups,
    rules: readOutput(t, '/etc/pve/ha/rules.cfg', () => parseHaRulesCfg(s.rules ?? '')).rules,
  };
}

const sid = (vmid: number) => `vm:${vmid}`;

async function run(remote: Remote, command: string, label: string): Promise<void> {
  const r = await remote.run(command, { label });
  if (r.exitCode !== 0) {
    const permanent = /ha groups have been migrated|no such|does not exist|unknown command|not allowed|invalid/i.test(r.stderr);
    throw commandFailed(remote.target, label, r, permanent);
  }
}

/**
 * HA is configured once for the cluster (its files live in /etc/pve/ha), from one node. PVE 8
 * places resources with a group; PVE 9 has migrated groups to node-affinity rules and refuses
 * group commands, so the placement follows the detected major version.
 */
export function haActivities(deps: SshDeps) {
  return {
    /** The test VM, created once when no node of the cluster has that id. */
    async ensureTestVm(task: NodeTask, vm: NonNullable<HaSettings['testVm']>): Promise<{ status: 'done' | 'already'; node: string; id?: number; name?: string }> {
      const remote = Remote.of(task.node, task, deps);
      const found = await remote.run(`ls /etc/pve/nodes/*/qemu-server/${vm.id}.conf 2>/dev/null`, { label: `find VM ${vm.id}` });
      const at = /\/etc\/pve\/nodes\/([^/]+)\/qemu-server\//.exec(found.stdout)?.[1];
      const which = { id: vm.id, name: vm.name };
      if (at) return { status: 'already', node: at, ...which };
      const create = cmd(
        'qm', 'create', String(vm.id), '--name', vm.name, '--memory', String(vm.memoryMiB), '--cores', String(vm.cores),
        '--net0', 'virtio,bridge=vmbr0', '--scsihw', 'virtio-scsi-single', '--scsi0', `${vm.storage}:${vm.diskGiB}`,
      );
      const r = await remote.run(create, { label: `qm create ${vm.id}`, timeoutMs: 10 * 60_000 });
      if (r.exitCode !== 0) {
        if (/already exists/i.test(r.stderr)) return { status: 'already', node: task.node.name, ...which };
        throw commandFailed(remote.target, `qm create ${vm.id}`, r, /storage .* does not exist|no such storage|invalid/i.test(r.stderr));
      }
      return { status: 'done', node: task.node.name, ...which };
    },

    /** PVE 8: the group, created or brought to the inventory's nodes. */
    async ensureHaGroup(task: NodeTask, ha: HaSettings): Promise<Step> {
      const remote = Remote.of(task.node, task, deps);
      const { groups } = await haConfig(remote);
      const g = groups.find((x) => x.name === ha.name);
      const nodes = ha.nodes.join(',');
      if (!g) {
        await run(remote, cmd('ha-manager', 'groupadd', ha.name, '--nodes', nodes, ...(ha.strict ? ['--restricted', '1'] : [])), `ha-manager groupadd ${ha.name}`);
        return { status: 'done', name: ha.name };
      }
      const have = g.nodes.map((n) => n.node).sort().join(',');
      if (have === [...ha.nodes].sort().join(',') && g.restricted === ha.strict) return { status: 'already', name: ha.name };
      await run(remote, cmd('ha-manager', 'groupset', ha.name, '--nodes', nodes, '--restricted', ha.strict ? '1' : '0'), `ha-manager groupset ${ha.name}`);
      return { status: 'updated', name: ha.name };
    },

    /** Each VM as an HA resource with state started (in the group on PVE 8). */
    async ensureHaResources(task: NodeTask, ha: HaSettings, pveMajor: number): Promise<{ added: string[]; updated: string[] }> {
      const remote = Remote.of(task.node, task, deps);
      const { resources } = await haConfig(remote);
      const added: string[] = [];
      const updated: string[] = [];
      for (const vmid of ha.vms) {
        const r = resources.find((x) => x.sid === sid(vmid));
        const group = pveMajor < 9 ? ['--group', ha.name] : [];
        if (!r) {
          await run(remote, cmd('ha-manager', 'add', sid(vmid), '--state', 'started', ...group), `ha-manager add ${sid(vmid)}`);
          added.push(sid(vmid));
        } else if ((r.state ?? 'started') !== 'started' || (pveMajor < 9 && r.group !== ha.name)) {
          await run(remote, cmd('ha-manager', 'set', sid(vmid), '--state', 'started', ...group), `ha-manager set ${sid(vmid)}`);
          updated.push(sid(vmid));
        }
      }
      return { added, updated };
    },

    /** PVE 9: the node-affinity rule over the protected resources. */
    async ensureHaRule(task: NodeTask, ha: HaSettings): Promise<Step> {
      const remote = Remote.of(task.node, task, deps);
      const { rules } = await haConfig(remote);
      const rule = rules.find((x) => x.name === ha.name);
      const resources = ha.vms.map(sid).join(',');
      const nodes = ha.nodes.join(',');
      if (rule && rule.type !== 'node-affinity') {
        throw ApplicationFailure.nonRetryable(`${where(remote.target)}: HA rule ${ha.name} exists as a ${rule.type} rule; rename ha.name in the inventory or remove that rule.`, 'HaRuleConflict');
      }
      if (!rule) {
        await run(remote, cmd('ha-manager', 'rules', 'add', 'node-affinity', ha.name, '--resources', resources, '--nodes', nodes, ...(ha.strict ? ['--strict', '1'] : [])), `ha-manager rules add node-affinity ${ha.name}`);
        return { status: 'done', name: ha.name };
      }
      const same = (a: string[], b: string[]) => [...a].sort().join(',') === [...b].sort().join(',');
      if (same(rule.resources, ha.vms.map(sid)) && same((rule.nodes ?? []).map((n) => n.node), ha.nodes) && !!rule.strict === ha.strict) return { status: 'already', name: ha.name };
      await run(remote, cmd('ha-manager', 'rules', 'set', 'node-affinity', ha.name, '--resources', resources, '--nodes', nodes, '--strict', ha.strict ? '1' : '0'), `ha-manager rules set node-affinity ${ha.name}`);
      return { status: 'updated', name: ha.name };
    },

    async haStatus(task: NodeTask): Promise<HaStatusJson> {
      const remote = Remote.of(task.node, task, deps);
      const out = await remote.check('pvesh get /cluster/ha/status/current --output-format json', { label: 'pvesh get /cluster/ha/status/current' });
      return readOutput(remote.target, 'pvesh get /cluster/ha/status/current', () => parseHaStatusJson(out));
    },
  };
}
