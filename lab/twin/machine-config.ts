// Plain configuration of a simulated machine, filled by a runner from the scenario.

import type { Architecture, Firmware, PartitionDiskRequest } from '../../harness/index.js';
import type { DriverCatalog } from '../../drivers/index.js';
import type { NicModel, StorageControllerModel } from './devices.js';
import type { VolumeLayout } from './disk/disk.js';
import type { TwinMediaConfig } from './site/media.js';

export interface TwinDiskConfig {
  sizeBytes: number;
  controller: StorageControllerModel;
  model?: string;
  /** A disk that is already partitioned when the run starts. */
  initial?: {
    layout: PartitionDiskRequest;
    /** Layout of the volumes when the disk is dynamic (spanned, striped... are unsupported by OSD). */
    volumeLayout?: VolumeLayout;
    /** Files per partition number: path → size in bytes (e.g. an installed Windows). */
    files?: Record<number, Record<string, number>>;
    /** GPT disk with a BIOS boot setup (protective-MBR boot code and a BIOS boot partition). */
    biosBootCode?: boolean;
  };
}

export interface TwinDeploymentConfig {
  /** Mandatory (required) deployment waits for missing content; optional fails at once. */
  mandatory: boolean;
  download: 'downloadAll' | 'downloadOnDemand' | 'accessFromDp';
  allowRemoteDp: boolean;
  allowUnprotectedDp: boolean;
  /** Use multicast for OS images when the DP offers it. */
  multicast?: boolean;
  /** Boot image package of the deployment: downloaded through the client cache before a restart from the full OS to WinPE. */
  bootImage?: string;
}

export interface TwinTimings {
  /** Firmware power-on self test to first boot device. */
  postMs: number;
  dhcpMs: number;
  /** The firmware waits this long for a PXE answer before the next boot device. */
  pxeTimeoutMs: number;
  winpeBootMs: number;
  osBootMs: number;
  formatMsPerVolume: number;
  /** Applying an image is bounded by decompression and disk writes. */
  applyBytesPerSec: number;
  commandMs: number;
  setupWindowsMs: number;
  /** An unattended prompt (password) gives up after this long. */
  promptTimeoutMs: number;
}

export const DEFAULT_TIMINGS: Readonly<TwinTimings> = Object.freeze({
  postMs: 3_000,
  dhcpMs: 2_000,
  pxeTimeoutMs: 30_000,
  winpeBootMs: 40_000,
  osBootMs: 60_000,
  formatMsPerVolume: 5_000,
  applyBytesPerSec: 150e6,
  commandMs: 1_000,
  setupWindowsMs: 600_000,
  promptTimeoutMs: 15 * 60_000,
});

export interface TwinCommandRule {
  /** Substring of the command line this rule answers. */
  match: string;
  exitCode: number;
  durationMs: number;
  output?: string[];
}

export interface TwinMachineConfig {
  name: string;
  site: string;
  firmware: Firmware;
  architecture: Architecture;
  memoryMB: number;
  cpus?: number;
  nic: { model: NicModel; mac: string; speedBps?: number; latencyMs?: number };
  disks: TwinDiskConfig[];
  bootOrder: ('media' | 'network' | 'disk')[];
  media?: TwinMediaConfig;
  /** A person is at the machine (types passwords). Default false: unattended. */
  attended?: boolean;
  /** The user presses F12 for an available PXE deployment. */
  pressesF12?: boolean;
  /** Configured client cache (ccmcache) size; CM2007 default 5,120 MB (§4.3 [PK]). */
  cacheSizeBytes?: number;
  /** Per-client download ceiling, bytes/s (BITS throttling). */
  maxDownloadBytesPerSec?: number;
  /** TCP receive window of the client, bytes. */
  tcpWindowBytes?: number;
  deployment: TwinDeploymentConfig;
  /** User state size for USMT capture (MDT planning example: 3 GB). */
  userStateBytes?: number;
  commands?: TwinCommandRule[];
  smbios?: { manufacturer?: string; product?: string; serial?: string; uuid?: string };
  timings?: Partial<TwinTimings>;
  /** The site's driver catalog and what the boot images' driver lists mean for this machine; default: an empty catalog, network everywhere. */
  drivers?: TwinDriverConfig;
}

export interface TwinDriverConfig {
  catalog: DriverCatalog;
  /** Boot image ID → why Windows PE from that image has no network on this machine (no driver for its NIC). */
  noNetworkIn?: Record<string, string>;
}
