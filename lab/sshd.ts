import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { Server as SshServer, type AuthContext, type ClientInfo, type Connection } from 'ssh2';
import { decideAuth, type AuthSubject } from './ssh/sshdAuth';
import { serveSession, type SessionNode } from './ssh/sessions';

export interface SshdNode extends SessionNode, AuthSubject {
  /** An injected fault makes the node refuse every attempt. */
  authRefused(): boolean;
}

export interface SshdOptions {
  host: string;
  /** 0 picks a free port on first listen; the port is then kept for every later listen. */
  port: number;
  /** The node's persistent host private key (OpenSSH format). */
  hostKey: string;
  /** Software version the server announces, as OpenSSH's does (`OpenSSH_9.2p1 Debian-2+deb12u5`). */
  ident: string;
}

/**
 * A node's OpenSSH server: a real SSH endpoint on its own port whose authentication follows the
 * node's sshd_config and authorized_keys, and whose sessions run in the node's shell. The TCP
 * listener is separate from the SSH protocol so the twin can refuse connections (port closed) or
 * accept them and never answer (a crashed host), as real servers do.
 */
export class NodeSshd {
  private ssh: SshServer;
  private listener: NetServer | undefined;
  private readonly sockets = new Map<string, Socket>();
  private boundPort: number;
  private silent = false;
  /** SSH connections served so far (each one a key exchange: what connection reuse saves). */
  handshakes = 0;

  constructor(
    private readonly node: SshdNode,
    private readonly opts: SshdOptions,
  ) {
    this.boundPort = opts.port;
    this.ssh = this.server(opts.hostKey);
  }

  /** Presented from the next connection on; established ones keep the key they were verified with. */
  setHostKey(hostKey: string): void {
    this.ssh = this.server(hostKey);
  }

  private server(hostKey: string): SshServer {
    return new SshServer({ hostKeys: [hostKey], ident: this.opts.ident }, (client, info) => this.serve(client, info));
  }

  get port(): number {
    return this.boundPort;
  }

  /** What a TCP connection to the port meets now. */
  get state(): 'listening' | 'closed' | 'silent' {
    if (this.silent) return 'silent';
    return this.listener ? 'listening' : 'closed';
  }

  async listen(): Promise<void> {
    if (this.listener) return;
    const listener = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.boundPort, this.opts.host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (listener.address() as AddressInfo).port;
    this.listener = listener;
  }

  /** Closes the port (new connections are refused); established sessions live on. */
  async stopListening(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }

  /** Cuts every connection, as a reset network or a power loss does. */
  dropAll(): void {
    for (const socket of this.sockets.values()) socket.destroy();
    this.sockets.clear();
  }

  /** Keeps the port accepting TCP but never answers again, like a host that hung or panicked. */
  silence(): Promise<void> {
    this.silent = true;
    for (const socket of this.sockets.values()) socket.pause();
    return this.listen();
  }

  /** Back from silence: connections held during it are gone, as after a reboot. */
  wake(): void {
    this.dropAll();
    this.silent = false;
  }

  private accept(socket: Socket): void {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    this.sockets.set(key, socket);
    socket.once('close', () => this.sockets.delete(key));
    socket.on('error', () => undefined);
    if (this.silent) socket.pause();
    else this.ssh.injectSocket(socket);
  }

  private serve(client: Connection, info: ClientInfo): void {
    this.handshakes++;
    const socket = this.sockets.get(`${info.ip}:${info.port}`);
    const localPort = socket?.localPort ?? this.boundPort;
    const env = {
      SSH_CLIENT: `${info.ip} ${info.port} ${localPort}`,
      SSH_CONNECTION: `${info.ip} ${info.port} ${socket?.localAddress ?? this.opts.host} ${localPort}`,
    };
    let failures = 0;
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => void this.authenticate(client, ctx, () => ++failures));
    client.on('ready', () =>
      client.on('session', (accept) =>
        serveSession(accept(), {
          node: this.node,
          env,
          drop: () => socket?.destroy(),
          frozen: () => this.silent,
        }),
      ),
    );
  }

  private async authenticate(client: Connection, ctx: AuthContext, countFailure: () => number): Promise<void> {
    const refused = this.node.authRefused();
    const decision = await decideAuth(this.node, ctx).catch(() => undefined);
    if (this.silent) return;
    try {
      if (decision?.accept && !refused) return ctx.accept();
      // Like sshd after MaxAuthTries failures: "Too many authentication failures", disconnect.
      if (ctx.method !== 'none' && countFailure() >= (decision?.settings.maxAuthTries ?? 6)) {
        ctx.reject();
        client.end();
        return;
      }
      ctx.reject(decision?.methods ?? []);
    } catch {
      // ssh2 throws when answering on a connection that closed while the files were read; there is no one to tell.
    }
  }
}
