import { ApplicationFailure } from '@temporalio/common';

/**
 * Failure types as they appear in Temporal (the `type` of an ApplicationFailure). Permanent ones
 * are non-retryable: retrying cannot help and the message says what the operator must do.
 */
export const SshFailure = {
  AuthRefused: 'SshAuthRefused',
  HostKeyChanged: 'SshHostKeyChanged',
  HostUnknown: 'SshHostUnknown',
  Unreachable: 'SshUnreachable',
  ConnectTimeout: 'SshConnectTimeout',
  ConnectionLost: 'SshConnectionLost',
  CommandTimeout: 'SshCommandTimeout',
  CommandFailed: 'RemoteCommandFailed',
} as const;

export interface Endpoint {
  name: string;
  user: string;
  host: string;
  port: number;
}

export const where = (e: Endpoint) => `${e.name} (${e.user}@${e.host}:${e.port})`;

export function authRefused(e: Endpoint, methods: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `${where(e)} refused authentication (tried: ${methods.join(', ') || 'none'}). ` +
      `Check the node's password in the inventory, or that the controller's public key is in ` +
      `/root/.ssh/authorized_keys, and that sshd allows it (PermitRootLogin, PasswordAuthentication).`,
    SshFailure.AuthRefused,
  );
}

export function hostKeyChanged(e: Endpoint, expected: string, got: string, knownHostsFile: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `${where(e)} presented host key ${got}, but ${expected} is pinned in ${knownHostsFile}. ` +
      `Either the server was reinstalled (then remove its line from that file and run again) or ` +
      `something is intercepting the connection (then stop and investigate).`,
    SshFailure.HostKeyChanged,
  );
}

/** Network-level errors from Node/ssh2, sorted into permanent and transient. */
export function classifyConnectError(e: Endpoint, err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const error = err as NodeJS.ErrnoException & { level?: string };
  const code = error?.code ?? '';
  const msg = error?.message ?? String(err);
  if (error?.level === 'client-authentication') return authRefused(e, []);
  if (code === 'ENOTFOUND' || code === 'EAI_NONAME') {
    return ApplicationFailure.nonRetryable(
      `${where(e)}: the host name ${e.host} does not resolve. Fix the node's host in the inventory or DNS.`,
      SshFailure.HostUnknown,
    );
  }
  if (/Timed out while waiting for handshake/i.test(msg) || code === 'ETIMEDOUT') {
    return ApplicationFailure.retryable(`${where(e)}: no SSH answer within the connect timeout (${msg})`, SshFailure.ConnectTimeout);
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return ApplicationFailure.retryable(`${where(e)}: cannot connect (${code}); is the node up and sshd listening?`, SshFailure.Unreachable);
  }
  return ApplicationFailure.retryable(`${where(e)}: connection lost (${code || msg})`, SshFailure.ConnectionLost);
}
