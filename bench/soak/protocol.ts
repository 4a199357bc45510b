/**
 * What the soak's coordinator (`main.ts`) and its node processes
 * (`node.ts`) say to each other over the IPC channel.
 */
import type { Endpoint, RemoteMemory } from '../../lib/index.js';

/** A node's name: which of the three it is, and which incarnation. */
export interface NodeId {
  readonly name: string;
  readonly incarnation: number;
}

/** What a node reports at the end: its own work requests, accounted. */
export interface NodeReport {
  readonly name: string;
  readonly posted: number;
  readonly byStatus: Record<string, number>;
  readonly lost: number;
  readonly duplicated: number;
  readonly checked: number;
  readonly dataErrors: number;
  readonly violations: readonly string[];
}

export type NodeCommand =
  | { readonly op: 'setup' }
  | { readonly op: 'link'; readonly peer: NodeId }
  | { readonly op: 'connect'; readonly peer: NodeId; readonly endpoint: Endpoint; readonly region: RemoteMemory }
  | { readonly op: 'datagrams'; readonly peer: NodeId; readonly endpoint: Endpoint }
  | { readonly op: 'killed'; readonly peer: NodeId; readonly at: number }
  | { readonly op: 'start' }
  | { readonly op: 'finish'; readonly drainMs: number };

/** The answers: `setup` gives the UD endpoint, `link` the new RC endpoint and region, `finish` the report. */
export interface NodeAnswers {
  setup: { ud: Endpoint };
  link: { endpoint: Endpoint; region: RemoteMemory };
  connect: null;
  datagrams: null;
  killed: null;
  start: null;
  finish: NodeReport;
}
