import { z } from 'zod';
import { CephHealthJson, parseCephHealthJson } from './cephHealthJson';
import { CephMonStatJson, parseCephMonStatJson } from './cephMonStatJson';
import { CephOsdTree, parseCephOsdTreeJson } from './cephOsdTreeJson';
import { parseCephOsdTreeText } from './cephOsdTreeText';
import { CephStatusJson, parseCephStatusJson } from './cephStatusJson';
import { CephStatusText, parseCephStatusText } from './cephStatusText';
import { CephVolumeLvmList, parseCephVolumeLvmList } from './cephVolumeLvmList';
import { ClusterResourcesJson, parseClusterResourcesJson } from './clusterResourcesJson';
import { ClusterStatusJson, parseClusterStatusJson } from './clusterStatusJson';
import { CorosyncCfgtool, parseCorosyncCfgtool } from './corosyncCfgtool';
import { CorosyncCfgtoolN, parseCorosyncCfgtoolN } from './corosyncCfgtoolN';
import { CorosyncConf, parseCorosyncConf } from './corosyncConf';
import { CorosyncQuorumtool, parseCorosyncQuorumtool } from './corosyncQuorumtool';
import { HaGroupsCfg, parseHaGroupsCfg } from './haGroupsCfg';
import { HaManagerStatus, parseHaManagerStatus } from './haManagerStatus';
import { HaResourcesCfg, parseHaResourcesCfg } from './haResourcesCfg';
import { HaRulesCfg, parseHaRulesCfg } from './haRulesCfg';
import { HaSimLog, parseHaSimLog } from './haSimLog';
import { HaStatusJson, parseHaStatusJson } from './haStatusJson';
import { Mdstat, parseMdstat } from './mdstat';
import { NodesJson, parseNodesJson } from './nodesJson';
import { PvecmNodes, parsePvecmNodes } from './pvecmNodes';
import { PvecmStatus, parsePvecmStatus } from './pvecmStatus';
import { PvesmStatus, parsePvesmStatus } from './pvesmStatus';
import { PveVersion, parsePveversion } from './pveversion';
import { PveMembers, parsePveMembers } from './pveMembers';
import { QmList, parseQmList } from './qmList';

export { ParseError } from './errors';
export { CephCheck, CephHealthJson, parseCephHealthJson } from './cephHealthJson';
export { CephMonStatJson, parseCephMonStatJson } from './cephMonStatJson';
export { CephOsdTree, parseCephOsdTreeJson } from './cephOsdTreeJson';
export { parseCephOsdTreeText } from './cephOsdTreeText';
export { CephStatusJson, parseCephStatusJson } from './cephStatusJson';
export { CephStatusText, parseCephStatusText } from './cephStatusText';
export { CephVolumeLvmList, parseCephVolumeLvmList } from './cephVolumeLvmList';
export { ClusterResourcesJson, parseClusterResourcesJson } from './clusterResourcesJson';
export { ClusterStatusJson, parseClusterStatusJson } from './clusterStatusJson';
export { CorosyncCfgtool, parseCorosyncCfgtool } from './corosyncCfgtool';
export { CorosyncCfgtoolN, parseCorosyncCfgtoolN } from './corosyncCfgtoolN';
export { ConfSection, CorosyncConf, parseCorosyncConf, renderCorosyncConf } from './corosyncConf';
export { CorosyncQuorumtool, parseCorosyncQuorumtool } from './corosyncQuorumtool';
export { HaGroupsCfg, parseHaGroupsCfg } from './haGroupsCfg';
export { HaDaemon, HaFencing, HaManagerStatus, parseHaManagerStatus } from './haManagerStatus';
export { HaResourcesCfg, parseHaResourcesCfg } from './haResourcesCfg';
export { HaRulesCfg, parseHaRulesCfg } from './haRulesCfg';
export { HaSimLog, parseHaSimLog } from './haSimLog';
export { HaStatusJson, parseHaStatusJson } from './haStatusJson';
export { Mdstat, parseMdstat } from './mdstat';
export { NodesJson, parseNodesJson } from './nodesJson';
export { PvecmNodes, parsePvecmNodes } from './pvecmNodes';
export { PvecmStatus, parsePvecmStatus } from './pvecmStatus';
export { PvesmStatus, parsePvesmStatus } from './pvesmStatus';
export { PveVersion, parsePveversion } from './pveversion';
export { PveMembers, parsePveMembers } from './pveMembers';
export { QmList, parseQmList } from './qmList';

export interface ParseKind {
  description: string;
  /** The command whose output the kind reads. */
  command: string;
  /** The result's schema: what docs/parse-contract.md documents, checked against it by the tests. */
  schema: z.ZodType;
  parse: (text: string) => unknown;
}

/** Every output the runbooks read, by kind name: what `pve-runbooks parse KIND` accepts. */
export const PARSE_KINDS: Record<string, ParseKind> = {
  'pvecm-status': {
    description: 'quorum, votes and members (PVE 6-9, QDevice)',
    command: 'pvecm status',
    schema: PvecmStatus,
    parse: parsePvecmStatus,
  },
  'pve-members': {
    description: "pmxcfs's member list: cluster name, quorum, members online",
    command: 'cat /etc/pve/.members',
    schema: PveMembers,
    parse: parsePveMembers,
  },
  'pvecm-nodes': {
    description: 'cluster members with votes, local node marked',
    command: 'pvecm nodes',
    schema: PvecmNodes,
    parse: parsePvecmNodes,
  },
  'corosync-quorumtool': {
    description: 'votequorum state and members',
    command: 'corosync-quorumtool -s',
    schema: CorosyncQuorumtool,
    parse: parseCorosyncQuorumtool,
  },
  'corosync-cfgtool': {
    description: 'knet links and per-peer connectivity (also corosync 2 rings)',
    command: 'corosync-cfgtool -s',
    schema: CorosyncCfgtool,
    parse: parseCorosyncCfgtool,
  },
  'corosync-cfgtool-n': {
    description: 'reachability of every other node, per link',
    command: 'corosync-cfgtool -n',
    schema: CorosyncCfgtoolN,
    parse: parseCorosyncCfgtoolN,
  },
  'corosync-conf': {
    description: 'cluster name, config version, nodes and their link addresses',
    command: 'cat /etc/pve/corosync.conf',
    schema: CorosyncConf,
    parse: parseCorosyncConf,
  },
  'cluster-status-json': {
    description: 'cluster name, quorum, nodes online/local with ids and IPs',
    command: 'pvesh get /cluster/status --output-format json',
    schema: ClusterStatusJson,
    parse: parseClusterStatusJson,
  },
  'nodes-json': {
    description: 'nodes online/offline with CPU, memory and uptime',
    command: 'pvesh get /nodes --output-format json',
    schema: NodesJson,
    parse: parseNodesJson,
  },
  'cluster-resources-json': {
    description: 'guests, nodes, storages and pools of the whole cluster',
    command: 'pvesh get /cluster/resources --output-format json',
    schema: ClusterResourcesJson,
    parse: parseClusterResourcesJson,
  },
  'qm-list': {
    description: 'the VMs of one node with status, memory, boot disk and PID',
    command: 'qm list',
    schema: QmList,
    parse: parseQmList,
  },
  'pvesm-status': {
    description: 'storages of one node with state and usage (KiB)',
    command: 'pvesm status',
    schema: PvesmStatus,
    parse: parsePvesmStatus,
  },
  'pveversion': {
    description: 'pve-manager version and running kernel',
    command: 'pveversion',
    schema: PveVersion,
    parse: parsePveversion,
  },
  'mdstat': {
    description: 'md arrays, members (failed, spare), degradation and resync progress',
    command: 'cat /proc/mdstat',
    schema: Mdstat,
    parse: parseMdstat,
  },
  'ceph-status-json': {
    description: 'health, check codes, OSD and PG counts (every Ceph release)',
    command: 'ceph -s -f json',
    schema: CephStatusJson,
    parse: parseCephStatusJson,
  },
  'ceph-s': {
    description: 'health messages, mons, OSD and PG counts from the text form (no check codes)',
    command: 'ceph -s',
    schema: CephStatusText,
    parse: parseCephStatusText,
  },
  'ceph-health-json': {
    description: 'health and every check with severity, summary and detail',
    command: 'ceph health detail -f json',
    schema: CephHealthJson,
    parse: parseCephHealthJson,
  },
  'ceph-osd-tree-json': {
    description: 'CRUSH tree and every OSD with its host, up and in',
    command: 'ceph osd tree -f json',
    schema: CephOsdTree,
    parse: parseCephOsdTreeJson,
  },
  'ceph-osd-tree': {
    description: 'the same from the text form',
    command: 'ceph osd tree',
    schema: CephOsdTree,
    parse: parseCephOsdTreeText,
  },
  'ceph-mon-stat-json': {
    description: 'monitor quorum and leader',
    command: 'ceph mon stat -f json',
    schema: CephMonStatJson,
    parse: parseCephMonStatJson,
  },
  'ceph-volume-lvm-list': {
    description: 'the OSDs of one node with their LVs and devices',
    command: 'ceph-volume lvm list --format json',
    schema: CephVolumeLvmList,
    parse: parseCephVolumeLvmList,
  },
  'ha-manager-status': {
    description: 'HA quorum, master, LRMs and service states',
    command: 'ha-manager status',
    schema: HaManagerStatus,
    parse: parseHaManagerStatus,
  },
  'ha-status-json': {
    description: 'the same with CRM and requested states',
    command: 'pvesh get /cluster/ha/status/current --output-format json',
    schema: HaStatusJson,
    parse: parseHaStatusJson,
  },
  'ha-resources-cfg': {
    description: 'HA resources with state, group and limits',
    command: 'ha-manager config',
    schema: HaResourcesCfg,
    parse: parseHaResourcesCfg,
  },
  'ha-groups-cfg': {
    description: 'HA groups (PVE 8) with node priorities',
    command: 'cat /etc/pve/ha/groups.cfg',
    schema: HaGroupsCfg,
    parse: parseHaGroupsCfg,
  },
  'ha-rules-cfg': {
    description: 'HA node-affinity and resource-affinity rules (PVE 9)',
    command: 'cat /etc/pve/ha/rules.cfg',
    schema: HaRulesCfg,
    parse: parseHaRulesCfg,
  },
  'ha-sim-log': {
    description: 'events of the HA simulator log: time, level, node, crm/lrm, message',
    command: 'pve-ha-tester TESTDIR',
    schema: HaSimLog,
    parse: parseHaSimLog,
  },
};
