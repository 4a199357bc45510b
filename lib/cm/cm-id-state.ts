/**
 * Where a `CmId` is in its life. A client goes idle -> resolving-address
 * -> address-resolved -> resolving-route -> route-resolved -> connecting ->
 * connected; a server id bound -> listening; an id from a CONNECT_REQUEST
 * request -> accepting -> connected, or rejected. A connected id ends
 * disconnected (disconnecting while its own `disconnect()` waits); a failed
 * connect or accept leaves it failed.
 */
export type CmIdState =
  | 'idle' | 'bound' | 'listening'
  | 'resolving-address' | 'address-resolved' | 'resolving-route' | 'route-resolved'
  | 'connecting' | 'request' | 'accepting' | 'rejected'
  | 'connected' | 'disconnecting' | 'disconnected' | 'failed';
