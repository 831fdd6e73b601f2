import { z } from 'zod';
import { CephHealthJson, parseCephHealthJson } from './cephHealthJson';
import { CephMonStatJson, parseCephMonStatJson } from './cephMonStatJson';
import { CephOsdDumpJson, parseCephOsdDumpJson } from './cephOsdDumpJson';
import { CephOsdPoolLsJson, parseCephOsdPoolLsJson } from './cephOsdPoolLsJson';
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
import { Journal, parseJournalShort, parseJournalShortIso } from './journal';
import { HaStatusJson, parseHaStatusJson } from './haStatusJson';
import { IpAddrJson, parseIpAddrJson } from './ipAddrJson';
import { IpLinkJson, parseIpLinkJson } from './ipLinkJson';
import { LsblkJson, parseLsblkJson } from './lsblkJson';
import { LvmReportJson, parseLvmReportJson } from './lvmReportJson';
import { MdadmDetail, parseMdadmDetail } from './mdadmDetail';
import { MdadmDetailScan, parseMdadmDetailScan } from './mdadmDetailScan';
import { Mdstat, parseMdstat } from './mdstat';
import { NodesJson, parseNodesJson } from './nodesJson';
import { Ping, parsePing } from './ping';
import { PvecmNodes, parsePvecmNodes } from './pvecmNodes';
import { PvecmStatus, parsePvecmStatus } from './pvecmStatus';
import { PvesmStatus, parsePvesmStatus } from './pvesmStatus';
import { PveVersion, parsePveversion } from './pveversion';
import { PveMembers, parsePveMembers } from './pveMembers';
import { QmList, parseQmList } from './qmList';

export { ParseError } from './errors';
export { CephCheck, CephHealthJson, parseCephHealthJson } from './cephHealthJson';
export { CephMonStatJson, parseCephMonStatJson } from './cephMonStatJson';
export { CephOsdDumpJson, parseCephOsdDumpJson } from './cephOsdDumpJson';
export { CephOsdPoolLsJson, parseCephOsdPoolLsJson } from './cephOsdPoolLsJson';
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
export { HaEvent, HaEventSource, haEvents } from './haJournal';
export {
  Journal,
  JournalEntry,
  JournalOptions,
  JournalShortOptions,
  parseJournal,
  parseJournalShort,
  parseJournalShortIso,
} from './journal';
export { HaStatusJson, parseHaStatusJson } from './haStatusJson';
export { IpAddrJson, parseIpAddrJson } from './ipAddrJson';
export { IpLinkJson, parseIpLinkJson } from './ipLinkJson';
export { flattenLsblk, LsblkDevice, LsblkEntry, LsblkJson, parseLsblkJson } from './lsblkJson';
export { LvmReportJson, parseLvmReportJson } from './lvmReportJson';
export { MdadmDetail, parseMdadmDetail } from './mdadmDetail';
export { MdadmDetailScan, parseMdadmDetailScan } from './mdadmDetailScan';
export { Mdstat, parseMdstat } from './mdstat';
export { NodesJson, parseNodesJson } from './nodesJson';
export { Ping, parsePing } from './ping';
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
  'mdadm-detail': {
    description: 'one md array: level, state, counters, rebuild/resync progress, members (faulty, spare, removed)',
    command: 'mdadm --detail /dev/md0',
    schema: MdadmDetail,
    parse: parseMdadmDetail,
  },
  'mdadm-detail-scan': {
    description: 'the ARRAY lines of mdadm --detail --scan or mdadm.conf: device, metadata, name, UUID, spares',
    command: 'mdadm --detail --scan',
    schema: MdadmDetailScan,
    parse: parseMdadmDetailScan,
  },
  'lsblk-json': {
    description: 'block device tree: size, rotational, filesystem, mount point, model (any column subset)',
    command: 'lsblk -J -b -o NAME,PATH,TYPE,SIZE,ROTA,FSTYPE,MOUNTPOINT,MODEL',
    schema: LsblkJson,
    parse: parseLsblkJson,
  },
  'lvm-report-json': {
    description: 'LVM PVs, VGs and LVs with sizes in bytes, tags and devices (pvs, vgs, lvs, fullreport)',
    command: 'lvs --reportformat json --units b --nosuffix -o lv_name,vg_name,lv_path,lv_size,lv_tags,devices',
    schema: LvmReportJson,
    parse: parseLvmReportJson,
  },
  'ip-link-json': {
    description: 'network links: MTU and its range, state, flags, bridge/bond master, kind',
    command: 'ip -j -d link show',
    schema: IpLinkJson,
    parse: parseIpLinkJson,
  },
  'ip-addr-json': {
    description: 'IPv4/IPv6 addresses of every interface',
    command: 'ip -j addr show',
    schema: IpAddrJson,
    parse: parseIpAddrJson,
  },
  'ping': {
    description: 'sent/received/loss, local errors and the MTU they report (iputils, BusyBox)',
    command: 'ping -M do -s 8972 -c 3 -i 0.2 -W 2 ADDR',
    schema: Ping,
    parse: parsePing,
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
  'ceph-osd-pool-ls-json': {
    description: 'pools with id, size, min_size, PGs, autoscale mode and applications',
    command: 'ceph osd pool ls detail -f json',
    schema: CephOsdPoolLsJson,
    parse: parseCephOsdPoolLsJson,
  },
  'ceph-osd-dump-json': {
    description: 'OSD map: epoch, flags, every OSD with uuid, up, in and state, pools with replication',
    command: 'ceph osd dump -f json',
    schema: CephOsdDumpJson,
    parse: parseCephOsdDumpJson,
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
  'journal-short-iso': {
    description: "journal entries with epoch times (HA stack, corosync); haEvents() reads fencing and recovery from them",
    command: 'journalctl -u pve-ha-crm -u pve-ha-lrm -u corosync --since "@EPOCH" -o short-iso-precise --no-pager -q',
    schema: Journal,
    parse: parseJournalShortIso,
  },
  'journal-short': {
    description: 'the same from -o short or a syslog file, which print no year or zone: read as this year, in UTC',
    command: 'journalctl -u pve-ha-crm -u pve-ha-lrm -u corosync --since "@EPOCH" --no-pager -q',
    schema: Journal,
    // The CLI has no year to pass; code reading a drill's journal passes the year of --since.
    parse: (text) => parseJournalShort(text, { year: new Date().getUTCFullYear() }),
  },
};
