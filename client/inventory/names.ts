import { NODE_NAME_RE } from '../../common/inventory';

/**
 * Why a name is refused, in words: the schema only knows that a pattern failed, the engineer needs
 * to know which character or which limit.
 */
export interface Diagnosis {
  message: string;
  fix: string;
}

const DNS_LABEL_MAX = 63;
const CLUSTER_NAME_MAX = 15;

export function diagnoseNodeName(value: string): Diagnosis {
  if (value === '') return { message: 'the node name is empty', fix: 'write the node\'s short hostname, e.g. `pve1`' };
  if (value.includes('.')) {
    const short = value.split('.')[0] || 'pve1';
    return {
      message: `\`${value}\` is a domain name; a PVE node name is the short hostname, one DNS label without dots`,
      fix: `name the node \`${short}\` and put \`${value}\` in hostname`,
    };
  }
  const bad = badCharacters(value);
  if (bad.length > 0) {
    return {
      message: `node name \`${value}\` contains ${bad}; node names are DNS labels: letters, digits and dashes only`,
      fix: `rename it, e.g. \`${suggestName(value, DNS_LABEL_MAX)}\``,
    };
  }
  if (value.startsWith('-') || value.endsWith('-')) {
    return {
      message: `node name \`${value}\` ${value.startsWith('-') ? 'starts' : 'ends'} with a dash; DNS labels start and end with a letter or digit`,
      fix: `rename it, e.g. \`${suggestName(value, DNS_LABEL_MAX)}\``,
    };
  }
  return {
    message: `node name \`${value}\` is ${value.length} characters long; a DNS label holds at most ${DNS_LABEL_MAX}`,
    fix: `shorten it, e.g. \`${suggestName(value, DNS_LABEL_MAX)}\``,
  };
}

export function diagnoseClusterName(value: string): Diagnosis {
  if (value === '') return { message: 'the cluster name is empty', fix: 'name the cluster: 1 to 15 letters, digits or dashes, e.g. `prod`' };
  const bad = badCharacters(value);
  if (bad.length > 0) {
    return {
      message: `cluster name \`${value}\` contains ${bad}; PVE cluster names use only letters, digits and dashes (1 to 15 characters)`,
      fix: `rename it, e.g. \`${suggestName(value, CLUSTER_NAME_MAX)}\``,
    };
  }
  return {
    message: `cluster name \`${value}\` is ${value.length} characters long; PVE cluster names are 1 to 15 letters, digits or dashes`,
    fix: `shorten it, e.g. \`${suggestName(value, CLUSTER_NAME_MAX)}\``,
  };
}

/** `hostname` is the FQDN the node reports; its first label is the node name, so they must agree. */
export function diagnoseHostname(hostname: string, nodeName: string | undefined): Diagnosis | undefined {
  const labels = hostname.split('.');
  const valid = hostname.length <= 253 && labels.every((l) => NODE_NAME_RE.test(l));
  if (!valid) {
    return {
      message: `hostname \`${hostname}\` is not a valid DNS name`,
      fix: 'write the fully qualified name the node reports, e.g. `pve1.example.com` (letters, digits, dashes, dots between labels)',
    };
  }
  const short = labels[0] ?? '';
  if (nodeName !== undefined && short.toLowerCase() !== nodeName.toLowerCase()) {
    return {
      message: `hostname \`${hostname}\` does not start with the node name \`${nodeName}\`; PVE's node name is the first label of the hostname`,
      fix: `make them agree: name the node \`${short}\`, or set hostname to \`${nodeName}.${labels.slice(1).join('.') || 'example.com'}\``,
    };
  }
  return undefined;
}

function badCharacters(value: string): string {
  const bad = [...new Set(value.replace(/[A-Za-z0-9-]/g, ''))];
  return bad.map((c) => (c === ' ' ? 'a space' : `\`${c}\``)).join(', ');
}

function suggestName(value: string, max: number): string {
  const cleaned = value
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
  return cleaned || 'pve1';
}
