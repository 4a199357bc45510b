import { nameLookup } from './names.js';

/** Port states, with the values of `enum ibv_port_state`. */
export const PortState = {
  NOP: 0,
  DOWN: 1,
  INIT: 2,
  ARMED: 3,
  ACTIVE: 4,
  ACTIVE_DEFER: 5,
} as const;

/** Path MTU values, with the values of `enum ibv_mtu` (1 = 256 bytes ... 5 = 4096 bytes). */
export const Mtu = {
  MTU_256: 1,
  MTU_512: 2,
  MTU_1024: 3,
  MTU_2048: 4,
  MTU_4096: 5,
} as const;

/** Link layers, with the values of `IBV_LINK_LAYER_*`. */
export const LinkLayer = {
  UNSPECIFIED: 0,
  INFINIBAND: 1,
  ETHERNET: 2,
} as const;

/** GID types, with the values of `enum ibv_gid_type` (rdma-core). */
export const GidType = {
  IB: 0,
  ROCE_V1: 1,
  ROCE_V2: 2,
} as const;

/** Atomic capability, with the values of `enum ibv_atomic_cap`. */
export const AtomicCap = {
  NONE: 0,
  HCA: 1,
  GLOB: 2,
} as const;

/** The name of a port state (`4` -> `"ACTIVE"`); unknown values give `"UNKNOWN(<n>)"`. */
export const portStateName: (state: number) => string = nameLookup(PortState);

/** Bytes for an `Mtu` value (`3` -> `1024`); 0 for an unknown value. */
export function mtuBytes(mtu: number): number {
  return mtu >= 1 && mtu <= 5 ? 128 << mtu : 0;
}
