import { constants } from 'node:os';
import type { CmAddress, CmConnParam, CmEventRecord, CmIdBackend } from '../../../provider/cm-spi.js';
import type { QpBackend } from '../../../provider/spi.js';
import type { Endpoint } from '../../../types/endpoint.js';
import { CmEventType } from '../../../constants/cm-event.js';
import { VerbsError } from '../../../errors/verbs-error.js';
import { RdmaError } from '../../../errors/rdma-error.js';
import { checkEndpoint } from '../../../validate/endpoint.js';
import type { JsonMessage } from '../hub/json-frames.js';
import type { CmClient, CmParty } from './cm-client.js';
import { isHostAddress } from './host-addresses.js';
import { isWildcard } from './switchboard.js';
import { driveToRtr, driveToRts } from './drive-qp.js';
import { LOOP_DEVICE_NAME } from '../device.js';

const { EADDRNOTAVAIL, EHOSTUNREACH, ECONNRESET, EINVAL } = constants.errno;

type Phase = 'idle' | 'listening' | 'connecting' | 'request' | 'accepting' | 'connected' | 'done';

/**
 * A CM id of loop0. Addresses are this host's (loopback, the interfaces'
 * addresses, wildcards): resolving one succeeds at once, any other gives
 * ADDR_ERROR (EHOSTUNREACH). Listening, connecting, accepting, rejecting
 * and disconnecting go through the switchboard (the hub's, or this
 * process's own); the queue pairs' endpoints travel with the connect and
 * the accept, and each side moves its own QP to RTR and RTS.
 */
export class LoopCmId implements CmIdBackend, CmParty {
  readonly #client: CmClient;
  #listener: ((event: CmEventRecord) => void) | null = null;
  readonly #early: CmEventRecord[] = [];
  #phase: Phase = 'idle';
  #local: CmAddress | null = null;
  #remote: CmAddress | null = null;
  #conn: string | null = null;
  #qp: QpBackend | null = null;
  #param: CmConnParam | null = null;
  #peer: Endpoint | null = null;
  #closed = false;

  constructor(client: CmClient) {
    this.#client = client;
  }

  onEvent(listener: (event: CmEventRecord) => void): void {
    this.#listener = listener;
    for (const e of this.#early.splice(0)) listener(e);
  }

  bind(local: CmAddress): void {
    if (!isHostAddress(local.address)) throw new VerbsError('rdma_bind_addr', EADDRNOTAVAIL, 'EADDRNOTAVAIL', `${local.address} is not an address of this host`);
    this.#local = local;
  }

  async listen(_backlog: number): Promise<void> {
    const local = this.#local ?? { address: '0.0.0.0', port: 0 };
    let port: number;
    try {
      port = await this.#client.listen(this, local.address, local.port);
    } catch (err) {
      if (err instanceof RdmaError && err.code === 'EADDRINUSE') throw new VerbsError('rdma_listen', constants.errno.EADDRINUSE, 'EADDRINUSE', `port ${local.port} of ${local.address} is already listened on`);
      throw err;
    }
    if (this.#closed) {
      this.#client.unlisten(local.address, port);
      return;
    }
    this.#local = { address: local.address, port };
    this.#phase = 'listening';
  }

  resolveAddr(source: CmAddress | null, destination: CmAddress, _timeoutMs: number): void {
    if (source !== null && !isHostAddress(source.address)) throw new VerbsError('rdma_resolve_addr', EADDRNOTAVAIL, 'EADDRNOTAVAIL', `${source.address} is not an address of this host`);
    setImmediate(() => {
      if (!isHostAddress(destination.address)) {
        this.#emit({ type: CmEventType.ADDR_ERROR, status: -EHOSTUNREACH, privateData: null });
        return;
      }
      const from = source?.address ?? this.#local?.address;
      this.#local = { address: from !== undefined && !isWildcard(from) ? from : destination.address, port: source?.port || this.#local?.port || ephemeralPort() };
      this.#remote = destination;
      this.#emit({ type: CmEventType.ADDR_RESOLVED, status: 0, privateData: null });
    });
  }

  resolveRoute(_timeoutMs: number): void {
    setImmediate(() => this.#emit({ type: CmEventType.ROUTE_RESOLVED, status: 0, privateData: null }));
  }

  deviceName(): string | null { return LOOP_DEVICE_NAME; }
  localAddress(): CmAddress | null { return this.#local; }
  remoteAddress(): CmAddress | null { return this.#remote; }

  connect(qp: QpBackend, param: CmConnParam): void {
    const remote = this.#remote!;
    const id = this.#client.newConnectionId();
    this.#conn = id;
    this.#qp = qp;
    this.#param = param;
    this.#phase = 'connecting';
    this.#client.track(id, this);
    this.#client.wire.send({
      t: 'cm-connect', id, addr: remote.address, port: remote.port, src: this.#local, ep: qp.endpoint(),
      ird: param.initiatorDepth, ord: param.responderResources, ...pdText(param.privateData),
    });
  }

  accept(qp: QpBackend, param: CmConnParam): void {
    const peer = this.#peer!;
    this.#qp = qp;
    this.#param = param;
    this.#phase = 'accepting';
    driveToRtr(qp, peer, param).then(() => {
      if (this.#phase !== 'accepting' || this.#conn === null) return;
      this.#client.wire.send({ t: 'cm-accept', id: this.#conn, ep: qp.endpoint(), ...pdText(param.privateData) });
    }, (err: unknown) => this.#failConnect(err));
  }

  reject(privateData: Uint8Array | null): void {
    if (this.#conn === null) return;
    this.#client.wire.send({ t: 'cm-reject', id: this.#conn, ...pdText(privateData) });
    this.#end();
  }

  disconnect(): void {
    if (this.#conn !== null) this.#client.wire.send({ t: 'cm-disconnect', id: this.#conn });
    this.#end();
    setImmediate(() => this.#emit({ type: CmEventType.DISCONNECTED, status: 0, privateData: null }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#phase === 'listening' && this.#local) this.#client.unlisten(this.#local.address, this.#local.port);
    if (this.#conn !== null) {
      this.#client.wire.send(this.#phase === 'request' ? { t: 'cm-reject', id: this.#conn } : { t: 'cm-disconnect', id: this.#conn });
    }
    this.#end();
    this.#listener = null;
    this.#early.length = 0;
  }

  /** @internal A frame from the switchboard about this id. */
  onFrame(msg: JsonMessage): void {
    if (this.#closed) return;
    switch (msg.t) {
      case 'cm-request': this.#onRequest(msg); return;
      case 'cm-accepted': this.#onAccepted(msg); return;
      case 'cm-rejected':
        if (this.#phase !== 'connecting') return;
        this.#end();
        this.#emit({ type: CmEventType.REJECTED, status: typeof msg['status'] === 'number' ? msg['status'] : 28, privateData: pdBytes(msg) });
        return;
      case 'cm-established': {
        if (this.#phase !== 'accepting') return;
        driveToRts(this.#qp!, this.#param!).then(() => {
          if (this.#phase !== 'accepting') return;
          this.#phase = 'connected';
          this.#emit({ type: CmEventType.ESTABLISHED, status: 0, privateData: null });
        }, (err: unknown) => this.#failConnect(err));
        return;
      }
      case 'cm-disconnected': this.#onDisconnected(); return;
      default:
    }
  }

  /** @internal The switchboard is gone. */
  onLost(_reason: string): void {
    if (this.#closed) return;
    if (this.#phase === 'connecting' || this.#phase === 'accepting' || this.#phase === 'request') {
      this.#end();
      this.#emit({ type: CmEventType.UNREACHABLE, status: -ECONNRESET, privateData: null });
    } else if (this.#phase === 'listening') {
      this.#phase = 'done';
    }
  }

  #onRequest(msg: JsonMessage): void {
    if (this.#phase !== 'listening') return;
    const id = msg['id'];
    if (typeof id !== 'string') return;
    let peer: Endpoint;
    try {
      peer = checkEndpoint('the CM', 'ep', msg['ep']);
    } catch {
      this.#client.wire.send({ t: 'cm-reject', id });
      return;
    }
    const child = new LoopCmId(this.#client);
    child.#conn = id;
    child.#peer = peer;
    child.#phase = 'request';
    child.#local = addressOf(msg['dst']);
    child.#remote = addressOf(msg['src']);
    this.#client.track(id, child);
    this.#emit({
      type: CmEventType.CONNECT_REQUEST, status: 0, privateData: pdBytes(msg), child,
      initiatorDepth: numberOf(msg['ird']), responderResources: numberOf(msg['ord']),
    });
  }

  #onAccepted(msg: JsonMessage): void {
    if (this.#phase !== 'connecting') return;
    let peer: Endpoint;
    try {
      peer = checkEndpoint('the CM', 'ep', msg['ep']);
    } catch (err) {
      this.#failConnect(err);
      return;
    }
    const qp = this.#qp!;
    const param = this.#param!;
    const privateData = pdBytes(msg);
    driveToRtr(qp, peer, param).then(() => driveToRts(qp, param)).then(() => {
      if (this.#phase !== 'connecting' || this.#conn === null) return;
      this.#client.wire.send({ t: 'cm-rtu', id: this.#conn });
      this.#phase = 'connected';
      this.#emit({ type: CmEventType.ESTABLISHED, status: 0, privateData });
    }, (err: unknown) => this.#failConnect(err));
  }

  #onDisconnected(): void {
    const phase = this.#phase;
    this.#end();
    if (phase === 'connected') this.#emit({ type: CmEventType.DISCONNECTED, status: 0, privateData: null });
    else if (phase === 'connecting' || phase === 'accepting') this.#emit({ type: CmEventType.UNREACHABLE, status: -ECONNRESET, privateData: null });
  }

  /** Moving the QP failed: the peer is told, this side gets CONNECT_ERROR. */
  #failConnect(err: unknown): void {
    if (this.#closed || this.#conn === null) return;
    this.#client.wire.send({ t: 'cm-disconnect', id: this.#conn });
    this.#end();
    const errno = err instanceof VerbsError ? err.errno : EINVAL;
    this.#emit({ type: CmEventType.CONNECT_ERROR, status: -errno, privateData: null });
  }

  #end(): void {
    if (this.#conn !== null) this.#client.forget(this.#conn);
    this.#conn = null;
    if (this.#phase !== 'listening') this.#phase = 'done';
  }

  #emit(event: CmEventRecord): void {
    if (this.#closed) {
      event.child?.close();
      return;
    }
    if (this.#listener) this.#listener(event);
    else this.#early.push(event);
  }
}

function pdText(data: Uint8Array | null): { pd?: string } {
  return data === null ? {} : { pd: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
}

function pdBytes(msg: JsonMessage): Uint8Array | null {
  const pd = msg['pd'];
  if (typeof pd !== 'string' || pd.length === 0) return null;
  return new Uint8Array(Buffer.from(pd, 'base64'));
}

function addressOf(v: unknown): CmAddress | null {
  const a = v as { address?: unknown; port?: unknown } | null;
  return a && typeof a.address === 'string' && typeof a.port === 'number' ? { address: a.address, port: a.port } : null;
}

function numberOf(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? Math.min(v, 16) : 0;
}

function ephemeralPort(): number {
  return 32768 + Math.floor(Math.random() * 28232);
}
