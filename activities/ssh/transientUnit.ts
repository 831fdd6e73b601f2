import { cmd, quoteArg } from './quote';

/**
 * A destructive command run the way an operator runs it on a real node when the session might
 * drop: as a transient systemd service. sshd's child (and with it a plain command) dies with the
 * connection when the worker is killed; the service does not, and finishes what it started.
 * `--wait --pipe` still gives the caller the command's output and exit status when it stays;
 * `--collect` unloads the unit even when it failed, so the name is free for a later attempt.
 */
export function inTransientUnit(unit: string, argv: string[]): string {
  return cmd('systemd-run', `--unit=${unit}`, '--collect', '--wait', '--pipe', '--quiet', '--', ...argv);
}

/**
 * What every attempt runs first: while the unit an earlier attempt started is still active, wait
 * for it (the SSH exec heartbeats meanwhile) rather than start the command a second time.
 */
export function awaitTransientUnit(unit: string): string {
  return `while systemctl is-active --quiet ${quoteArg(unit)}; do sleep 1; done`;
}

/** systemd refused the unit because another attempt's run of it is loaded: that attempt is still at work. */
export function unitBusy(stderr: string): boolean {
  return /was already loaded or has a fragment file/.test(stderr);
}
