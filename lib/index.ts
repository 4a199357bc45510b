/**
 * vrdma: RDMA verbs for Node.js. Open a device with `openDevice()`, then
 * build protection domains, memory regions, completion queues and queue
 * pairs from its `Context`.
 */
export * from './constants/index.js';
export * from './errors/index.js';
export type { DeviceInfo, ProviderStatus, SriovRole, DeviceAttributes, PortAttributes, GidEntry, AsyncEvent } from './types/device.js';
export { ENDPOINT_VERSION, type Endpoint, type RemoteMemory } from './types/endpoint.js';
export type {
  AhAttributes, AhValues, GlobalRoute, QpAttributes, QpInitAttributes, QpRtrAttributes, QpRtsAttributes,
} from './types/qp-attributes.js';
export type { Sge, SendWorkRequest, RecvWorkRequest, WorkCompletion } from './types/work-request.js';
export type { OpenOptions } from './providers/registry.js';
export type { NativeOpenOptions } from './providers/native/options.js';
export type { LoopbackOpenOptions } from './providers/loopback/options.js';
export type { DeviceCapabilities } from './provider/capabilities.js';
export { WcBatch, WcField, WC_STRIDE } from './wc-batch.js';
export { listDevices, openDevice, providerStatus, LOOPBACK_DEVICE } from './devices.js';
export { Context, type CqInit, type ContextEvents } from './context.js';
export { ProtectionDomain, DEFAULT_QKEY, type QueuePairInit, type SrqInit, type RegistrableMemory } from './protection-domain.js';
export { MemoryRegion } from './memory-region.js';
export { CompletionQueue, DEFAULT_SPIN_US, type WaitOptions } from './completion-queue.js';
export { QueuePair, type ConnectOptions, type QueuePairCaps } from './queue-pair.js';
export { PreparedSend } from './prepared-send.js';
export { PreparedRecv } from './prepared-recv.js';
export { PreparedRequests } from './prepared-requests.js';
export { SharedReceiveQueue } from './shared-receive-queue.js';
export { AddressHandle } from './address-handle.js';
export {
  CmId, type CmAddress, type CmIdInit, type CmResolveOptions, type CmResolveAddrOptions, type CmConnectOptions, type CmEstablished,
} from './cm/cm-id.js';
export type { CmEvent } from './cm/cm-event.js';
export type { CmIdState } from './cm/cm-id-state.js';
export { checkCompletion } from './check-completion.js';
export { probeHub, type HubProbe } from './providers/loopback/hub-probe.js';
export {
  connect, listen, Connection, ConnectionListener, EXCHANGE_VERSION, FrameType,
  type DialOptions, type ListenOptions, type ConnectionOptions, type ConnectionVia, type OperationOptions, type RemoteTarget, type ExchangeAddress, type NetAddress,
} from './connection/index.js';
export {
  MigrationSource, MigrationTarget, MigratedImage, DEFAULT_PAGE_SIZE,
  type ImageRange, type DirtyTracking, type MigrationSourceOptions, type MigrationTargetOptions, type MigrationResult, type RoundReport,
  QpMigrationSource, QpMigrationTarget, type QpMigrationResult, type MigratedQueuePair, type QpMigrationSourceOptions, type QpMigrationTargetOptions,
} from './migration/index.js';
