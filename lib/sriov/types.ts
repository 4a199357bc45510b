/**
 * The shape of what SR-IOV discovery reports. Every object is plain data
 * (JSON-serialisable, no bigint); optional fields are omitted when the
 * sysfs file behind them is missing or unreadable.
 */

/** One populated GID table entry, read from `ports/N/gids/I`. */
export interface SysfsGid {
  /** The table index `I`. */
  readonly index: number;
  /** The GID in IPv6 notation (`"fe80::e42:a1ff:fe65:b1e2"`, `"::ffff:10.0.0.1"`). */
  readonly gid: string;
  /** From `ports/N/gid_attrs/types/I`: `"IB"`, `"RoCEv1"` or `"RoCEv2"`. */
  readonly type?: 'IB' | 'RoCEv1' | 'RoCEv2';
  /** From `ports/N/gid_attrs/ndevs/I` (RoCE): the netdev the GID belongs to. */
  readonly netdev?: string;
}

/** One valid P_Key table entry, read from `ports/N/pkeys/I`. */
export interface SysfsPkey {
  /** The table index `I`. */
  readonly index: number;
  /** The P_Key as `0x` and four hex digits, membership bit included (`"0xffff"`). */
  readonly pkey: string;
  /** Bit 15: `"full"` (set) or `"limited"` membership. */
  readonly membership: 'full' | 'limited';
}

/** One port of an RDMA device, read from `<ibdev>/ports/N/`. */
export interface SysfsPort {
  /** The port number `N` (1-based). */
  readonly port: number;
  /** `link_layer`: `"InfiniBand"` or `"Ethernet"`. */
  readonly linkLayer?: string;
  /** The number in `state` (`"4: ACTIVE"` -> 4). */
  readonly state?: number;
  /** The name in `state` (`"4: ACTIVE"` -> `"ACTIVE"`). */
  readonly stateName?: string;
  /** The name in `phys_state` (`"5: LinkUp"` -> `"LinkUp"`). */
  readonly physState?: string;
  /** `lid` as a number (InfiniBand; 0 on Ethernet). */
  readonly lid?: number;
  /** `sm_lid` as a number. */
  readonly smLid?: number;
  /** `rate` as written, e.g. `"100 Gb/sec (4X EDR)"`. */
  readonly rate?: string;
  /** Populated (non-zero) GIDs; empty when none are readable. */
  readonly gids: readonly SysfsGid[];
  /** Valid (non-zero) P_Keys; empty when none are readable. */
  readonly pkeys: readonly SysfsPkey[];
}

/** An RDMA device (`/sys/class/infiniband/<name>`). */
export interface SysfsRdmaDevice {
  /** The device name, e.g. `"mlx5_2"`, `"rxe0"`. */
  readonly name: string;
  /** `node_guid` as 16 hex digits (`"0c42a1030065b1e2"`). */
  readonly nodeGuid?: string;
  /** `sys_image_guid` as 16 hex digits. */
  readonly sysImageGuid?: string;
  /** The name in `node_type` (`"1: CA"` -> `"CA"`, `"4: RNIC"` -> `"RNIC"`). */
  readonly nodeType?: string;
  /** `fw_ver`. */
  readonly fwVer?: string;
  /** `board_id`. */
  readonly boardId?: string;
  /** Ports in number order. */
  readonly ports: readonly SysfsPort[];
}

/** What every PCI function reports, PF, VF or neither. */
export interface PciFunctionInfo {
  /** The PCI address, `"DDDD:BB:DD.F"`. */
  readonly pciAddress: string;
  /** `vendor`, e.g. `"0x15b3"`. */
  readonly vendorId?: string;
  /** `device`, e.g. `"0x1017"`. */
  readonly deviceId?: string;
  /** `class`, e.g. `"0x020000"` (Ethernet) or `"0x020700"` (InfiniBand). */
  readonly classId?: string;
  /** Basename of the `driver` link; omitted when no driver is bound. */
  readonly driver?: string;
  /** True when the driver is `vfio-pci`: the function is handed to a VM (or a user-space driver). */
  readonly assignedToVm: boolean;
  /** `numa_node`; omitted when it is -1 (no affinity) or unreadable. */
  readonly numaNode?: number;
  /** Basename of the `iommu_group` link. */
  readonly iommuGroup?: string;
  /** RDMA devices under `<function>/infiniband/`. */
  readonly rdmaDevices: readonly SysfsRdmaDevice[];
  /** Network devices under `<function>/net/`. */
  readonly netdevs: readonly string[];
}

/** A virtual function, as listed by its PF's `virtfnN` link. */
export interface VirtualFunction extends PciFunctionInfo {
  /** `N` of the PF's `virtfnN` link. */
  readonly vfIndex: number;
  /** The PF's PCI address (basename of the VF's `physfn` link). */
  readonly pf: string;
}

/** A physical function: a PCI function with `sriov_totalvfs`. */
export interface PhysicalFunction extends PciFunctionInfo {
  /** `sriov_totalvfs`: the most VFs it can have. Omitted when unreadable. */
  readonly totalVfs?: number;
  /** `sriov_numvfs`: how many are enabled now. Omitted when unreadable. */
  readonly numVfs?: number;
  /** `sriov_vf_device`: the device id its VFs will have, e.g. `"0x1018"`. */
  readonly vfDeviceId?: string;
  /** Its VFs in index order. */
  readonly vfs: readonly VirtualFunction[];
}

/** An RDMA device with no PCI function of its own: Soft-RoCE (rxe), soft-iWARP (siw). */
export interface SoftwareRdmaDevice extends SysfsRdmaDevice {
  /** `"rxe"`, `"siw"` or `"unknown"`. */
  readonly driver: string;
  /** The netdev it runs over (`parent` for rxe, else the first GID's netdev). */
  readonly netdev?: string;
}

/** Everything `discoverSriov()` found. */
export interface SriovTopology {
  /** The sysfs root that was read. */
  readonly sysfsRoot: string;
  /** Every PCI function with SR-IOV, in address order. */
  readonly physicalFunctions: readonly PhysicalFunction[];
  /**
   * PCI functions with RDMA devices that are not an SR-IOV PF, and VFs whose
   * PF could not be found (each of those also gives a warning).
   */
  readonly otherFunctions: readonly PciFunctionInfo[];
  /** RDMA devices with no PCI parent. */
  readonly softwareDevices: readonly SoftwareRdmaDevice[];
  /** Problems met on the way (dangling links, unreadable files); discovery goes on past them. */
  readonly warnings: readonly string[];
}
