// Public surface of the twin (simulated machines on a virtual clock).

export { EventQueue, type EventHandle } from './event-queue.js';
export { Simulator, type Deferred, type RunOptions } from './simulator.js';
export { Topology, type TwinLink, type Route } from './network/topology.js';
export { FlowNetwork, type FlowNetworkOptions, type FlowRequest, type FlowStats } from './network/flows.js';
export { maxMinFair } from './network/maxmin.js';
export { TCP_GOODPUT_FACTOR, tcpFlowCeiling, type TcpOptions } from './network/goodput.js';
export { Disk, type Partition, type PartitionKind, type VolumeLayout } from './disk/disk.js';
export { Volume, normalizePath } from './disk/volume.js';
export { diskBootVerdict, bootLoaderFiles, systemPartition, type BootVerdict } from './disk/boot.js';
export { GPT_TYPE, MBR_TYPE } from './disk/partition-types.js';
export { ClientCache, type CacheEntry, type CacheLocation, type CachePlacement } from './cache.js';
export { NIC_PCI, STORAGE_PCI, hardwareId, type NicModel, type StorageControllerModel } from './devices.js';
export { DistributionPoint, contentLocations, downloadAllRefusal, type DistributionPointConfig, type ContentLookup, type ContentLocationCandidate } from './site/dp.js';
export { PxeResponder, pxeAnswer, type PxeResponderConfig, type PxeDeployment, type PxeClient, type PxeAnswer } from './site/pxe.js';
export { tftpTransferSeconds, tftpRateCeiling, tftpWireBytes, CONFIGMGR_TFTP_DEFAULTS, type TftpSettings } from './site/tftp-model.js';
export { ManagementPoint, type ManagementPointConfig } from './site/mp.js';
export { StateMigrationPoint, captureRefusal, stateSource, type StateMigrationPointConfig, type SmpFolderLoad } from './site/smp.js';
export { MulticastService, type MulticastConfig, type MulticastJoin } from './site/multicast.js';
export { startFromMedia, type TwinMediaConfig, type MediaKind, type MediaStart } from './site/media.js';
export { TwinWorld, type TwinWorldConfig, type TwinSiteConfig, type TwinContentConfig, type TwinDistributionEvent } from './world.js';
export { TwinMachine } from './machine.js';
export { DEFAULT_TIMINGS, type TwinMachineConfig, type TwinDiskConfig, type TwinDeploymentConfig, type TwinTimings, type TwinCommandRule } from './machine-config.js';
export { type BootState, type FirmwareOutcome } from './firmware.js';
export { EXIT } from './exit-codes.js';
export { worldConfigProblems, machineConfigProblems } from './validate.js';
export { TwinBackend } from './scenario-lab.js';
