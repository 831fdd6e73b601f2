import { ApplicationFailure } from '@temporalio/common';
import { commandFailed } from '../ssh/remote';
import type { ExecResult, SshTarget } from '../ssh/pool';

/** Failures that pass by themselves: apt or dpkg locked by another run, a monitor still electing. */
const TRANSIENT = /Could not get lock|dpkg was interrupted|Unable to acquire the dpkg|timed out|error connecting to the cluster|ObjectNotFound|Connection refused|got timeout|lock file/i;

/** Refusals of pveceph and ceph-volume that no retry can fix, with what the operator must do. */
const PERMANENT: [RegExp, string][] = [
  [/unsupported ceph version|invalid format|value '.*' does not have a value in the enumeration/i, 'choose a Ceph version and repository that this PVE release offers (PVE 8: quincy, reef, squid; PVE 9: squid, tentacle)'],
  [/not a valid (IP|CIDR|network)|invalid CIDR/i, 'fix ceph.publicNetwork / clusterNetwork in the inventory'],
  [/no (IP|address) .* in (public )?network|unable to find local address within network/i, 'every monitor node needs an address inside ceph.publicNetwork'],
  [/Device .* is (busy|in use)|already (used|in use) by|has a filesystem|has partitions|is a partition/i, 'the device is in use: check the inventory\'s disks and clear the device'],
  [/Cannot use device|Insufficient space|not enough space/i, 'the DB device is too small or unusable'],
];

export function cephFailure(t: SshTarget, label: string, r: ExecResult): ApplicationFailure {
  const text = `${r.stderr}\n${r.stdout}`;
  if (TRANSIENT.test(text)) return commandFailed(t, label, r, false);
  const hit = PERMANENT.find(([re]) => re.test(text));
  const f = commandFailed(t, label, r, !!hit);
  if (hit) return ApplicationFailure.create({ message: `${f.message}. Fix: ${hit[1]}.`, type: 'CephRefused', nonRetryable: true, details: f.details ?? undefined });
  return f;
}
