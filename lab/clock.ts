import { performance } from 'node:perf_hooks';

export interface LabClockOptions {
  /** Lab milliseconds per real millisecond: 60 makes one real second a lab minute. */
  scale?: number;
  /** Lab epoch ms at creation; defaults to the real time. */
  start?: number;
}

/**
 * The time every simulated node lives in. Lab time runs `scale` times faster than real time from
 * `start`, measured on the monotonic clock so a host clock jump cannot move it backwards.
 */
export class LabClock {
  readonly scale: number;
  private readonly startLab: number;
  private readonly startReal = performance.now();

  constructor(opts: LabClockOptions = {}) {
    const scale = opts.scale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`time scale must be a positive number, got ${scale}`);
    this.scale = scale;
    this.startLab = opts.start ?? Date.now();
  }

  /** Lab epoch milliseconds. */
  now(): number {
    return this.startLab + (performance.now() - this.startReal) * this.scale;
  }

  date(): Date {
    return new Date(Math.floor(this.now()));
  }

  /** Real milliseconds that `labMs` of lab time take. */
  realMs(labMs: number): number {
    return labMs / this.scale;
  }

  /**
   * Waits until `labMs` of lab time have passed on this clock (timers may fire a little early, so
   * it re-arms for any remainder); rejects with the signal's reason when aborted.
   */
  sleep(labMs: number, signal?: AbortSignal): Promise<void> {
    const until = this.now() + labMs;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const arm = () => {
        const left = until - this.now();
        if (!(left > 0)) {
          signal?.removeEventListener('abort', onAbort);
          return resolve();
        }
        timer = setTimeout(arm, Math.ceil(this.realMs(left)));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
    });
  }
}
