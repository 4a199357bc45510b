/**
 * The native provider's TypeScript side over an addon whose C calls do
 * nothing: every verb returns at once (posts are dropped, a poll reports
 * `max` completions without writing them). Lets the boundary benchmark
 * time validation, packing and the provider's bookkeeping on a machine
 * without an RDMA device; the one thing it leaves out is the Node-API
 * call itself (a plain JavaScript call stands in for it).
 */
import { Context } from '../../lib/index.js';
import { ProviderName } from '../../lib/constants/provider-name.js';
import { GidType, LinkLayer, PortState } from '../../lib/constants/port.js';
import { QpState } from '../../lib/constants/qp.js';
import { NativeContext } from '../../lib/providers/native/context.js';
import type {
  NativeContextObject, NativeCqObject, NativeMrObject, NativePdObject, NativeQpObject, RawDeviceAttributes, RawPortAttributes,
} from '../../lib/providers/native/addon.js';

const DEVICE: RawDeviceAttributes = {
  fwVer: '0', nodeGuid: '0000000000000001', sysImageGuid: '0000000000000001', vendorId: 0, vendorPartId: 0, hwVer: 0,
  physPortCnt: 1, maxQp: 1024, maxQpWr: 16384, maxSge: 32, maxCq: 1024, maxCqe: 65536, maxMr: 1024,
  maxMrSize: 0xffff_ffffn, maxPd: 64, maxSrq: 64, maxSrqWr: 16384, maxQpRdAtom: 16, atomicCap: 1, maxQpInitRdAtom: 16,
};

const PORT: RawPortAttributes = {
  state: PortState.ACTIVE, maxMtu: 5, activeMtu: 5, lid: 0, smLid: 0, lmc: 0, gidTblLen: 1, pkeyTblLen: 1,
  linkLayer: LinkLayer.ETHERNET, activeWidth: 1, activeSpeed: 1,
};

let nextAddr = 0x10_0000_0000n;

function stubQp(qpn: number): NativeQpObject {
  let state: number = QpState.INIT;
  return {
    qpn, maxInline: 64, maxSendSge: 32, maxRecvSge: 32,
    postSend(): void {},
    postRecv(): void {},
    modify(to): void { state = to; },
    query(): never { throw new Error('query is not stubbed'); },
    state: () => state,
    close(): void {},
  };
}

function stubCq(): NativeCqObject {
  return { poll: (_buffer, _capacity, max) => max, wait: () => Promise.resolve(), close(): void {} };
}

function stubPd(): NativePdObject {
  let qpn = 100;
  return {
    regMr(view): NativeMrObject {
      const addr = nextAddr;
      nextAddr += 0x1_0000_0000n;
      return { lkey: 7, rkey: 8, addr, length: view.byteLength, close(): void {} };
    },
    createQp: () => stubQp(qpn++),
    createSrq(): never { throw new Error('createSrq is not stubbed'); },
    createAh: () => ({ id: 1, close(): void {} }),
    close(): void {},
  };
}

function stubContext(): NativeContextObject {
  return {
    queryDevice: () => DEVICE,
    queryPort: () => PORT,
    pkeyTable: () => [0xffff],
    gidTable: () => [{ index: 0, gid: '::ffff:10.0.0.1', type: GidType.ROCE_V2, netdev: 'stub0' }],
    allocPd: stubPd,
    createCq: stubCq,
    setAsyncListener(): void {},
    allocate: (size) => new Uint8Array(size),
    probeMaxInline: () => 64,
    close(): void {},
  };
}

/** A context of the native provider over the do-nothing addon. */
export function openStubNative(): Context {
  const info = { name: 'stub0', provider: ProviderName.NATIVE, guid: '0000:0000:0000:0001', transport: 'stub' };
  return new Context(new NativeContext(stubContext(), info, '/nonexistent', {}));
}
