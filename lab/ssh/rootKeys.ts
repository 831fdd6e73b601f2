import { utils } from 'ssh2';

export interface KeyPair {
  private: string;
  public: string;
}

/**
 * RSA pairs for root's /root/.ssh/id_rsa, which `pvecm create/add/updatecerts` make on a node that
 * has none. PVE asks for 4096 bits; the twin draws 2048-bit keys, as a 4096-bit one costs one to
 * three real seconds of CPU, which at a fast lab clock would be minutes of lab time. They are
 * drawn in the background (libuv's thread pool, off the event loop) for every node of the lab as
 * soon as the first is needed, and labs in one process share them by position: the n-th node to
 * need one gets the n-th pair, distinct within a lab.
 */
const SHARED: Promise<KeyPair>[] = [];

export const RSA_BITS = 2048;

function draw(): Promise<KeyPair> {
  return new Promise((resolve, reject) =>
    utils.generateKeyPair('rsa', { bits: RSA_BITS, comment: 'root@pve' }, (err, pair) => (err ? reject(err) : resolve({ private: pair.private, public: pair.public }))),
  );
}

export class RootKeyPool {
  private next = 0;

  /** Starts drawing `count` pairs now. */
  prefetch(count: number): void {
    while (SHARED.length < count) {
      const pending = draw();
      pending.catch(() => undefined);
      SHARED.push(pending);
    }
  }

  take(): Promise<KeyPair> {
    this.prefetch(this.next + 1);
    return SHARED[this.next++] as Promise<KeyPair>;
  }
}
