export { connect, type DialOptions } from './connect.js';
export { listen, ConnectionListener, type ListenOptions } from './listen.js';
export { Connection, type OperationOptions } from './connection.js';
export type { ConnectionOptions } from './connection-options.js';
export type { RemoteTarget } from './remote-target.js';
export { EXCHANGE_VERSION, FrameType } from './exchange/wire.js';
export type { ExchangeAddress, NetAddress } from './exchange/address.js';
export type { ConnectionVia } from './via.js';
