import type { LabFs } from '../fs/labFs';
import type { PveRelease } from '../pve/releases';
import type { Services } from '../services';
import type { NodeStorage } from '../storage/nodeStorage';
import type { AuthEntity } from './conf';
import type { CephRelease } from './releases';

/** What the Ceph model needs from a node (LabNode implements it). */
export interface CephHost {
  readonly name: string;
  readonly address: string;
  readonly fs: LabFs;
  readonly services: Services;
  readonly powered: boolean;
  readonly release: PveRelease;
  readonly storage: NodeStorage;
}

/** The Ceph packages of one node, what its dpkg database would say. */
export interface NodePackages {
  /** ceph-common (the `ceph`, `rbd`, `ceph-authtool` tools): every PVE node has it. */
  common: CephRelease;
  /** ceph-mon, ceph-mgr, ceph-osd, ceph-volume...: after `pveceph install`. */
  daemons?: CephRelease;
}

export interface MonRecord {
  name: string;
  host: string;
  addr: string;
}

export type OsdLifecycle = 'new' | 'exists' | 'destroyed';

export interface OsdRecord {
  id: number;
  uuid: string;
  lifecycle: OsdLifecycle;
  up: boolean;
  in: boolean;
  /** The node its data and daemon live on, once ceph-volume prepared it there. */
  node?: string;
  /** The device class its CRUSH item gets when it first boots (`hdd`, `ssd`). */
  deviceClass?: string;
  sizeBytes: number;
  upFrom: number;
  upThru: number;
  downAt: number;
  /** Lab ms of the last up/in changes. */
  upSince?: number;
  downSince?: number;
  inSince?: number;
  /** Marked out by the monitors (mon_osd_down_out_interval), so marked in again when it boots. */
  autoOut: boolean;
  nonce: number;
}

export type AutoscaleMode = 'on' | 'off' | 'warn';

export interface PoolRecord {
  id: number;
  name: string;
  size: number;
  minSize: number;
  pgNum: number;
  autoscale: AutoscaleMode;
  application?: string;
  createdAt: number;
  /** When its PGs could first be created: the pool existed and OSDs were in. */
  pgsFrom?: number;
  lastChange: number;
  /** RBD images by name, with their size in bytes. */
  images: Map<string, number>;
  /** Objects besides the RBD ones (the manager's database in `.mgr`). */
  extraObjects: number;
  recoveryUntil: number;
}

export interface CrushItem {
  host: string;
  weight: number;
  deviceClass?: string;
}

/** What the monitors store: the maps and the auth database. */
export interface MonStore {
  fsid: string;
  createdAt: number;
  monmapEpoch: number;
  mons: MonRecord[];
  minMonRelease: CephRelease;
  electionEpoch: number;
  quorum: string[];
  quorumSince: number;
  auth: Map<string, AuthEntity>;
  config: Map<string, string>;
  /** Managers by id, with the node each runs on. */
  mgrs: Map<string, string>;
  activeMgr?: string;
  activeMgrSince: number;
  mgrEpoch: number;
  /** Lab ms since when no manager is active (for MGR_DOWN's escalation). */
  mgrInactiveSince?: number;
  osdmapEpoch: number;
  osds: Map<number, OsdRecord>;
  /** The CRUSH map's OSD items (they outlive `osd rm`, as `DNE` in the tree) and host buckets. */
  crush: Map<number, CrushItem>;
  crushHosts: Map<string, number>;
  pools: Map<number, PoolRecord>;
  poolMax: number;
  crushVersion: number;
  lastUpChange: number;
  lastInChange: number;
  /** The latest OSD map change, for the PGs that re-peer. */
  lastOsdChange?: { at: number; osds: Set<number> };
}
