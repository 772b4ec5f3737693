// Drivers Windows and WinPE carry in the box, modelled as always present and Microsoft-signed.
// Microsoft dates inbox drivers 06/21/2006 so that any vendor driver of equal rank wins on date.
// Decision (docs/driver-matching.md "Inbox drivers"): storahci (AHCI by class code 010601),
// stornvme (NVMe by class code 010802) and the Intel PRO/1000 driver for QEMU's e1000 (82540EM)
// are inbox in WinPE 10/11 and in Windows 10/11; virtio devices have no inbox driver.
import type { CatalogDriver } from './catalog.js';
import type { DriverVer, InfFile } from './inf/parse.js';

/** A driver known by the hardware IDs it claims rather than by an INF file on disk. */
export interface ModelledDriverSpec {
  /** Stands for the INF's path: "inbox:storahci.inf". */
  file: string;
  provider: string;
  /** Name of the models sections ("Inbox" → Inbox.NTx86, Inbox.NTamd64). */
  section: string;
  description: string;
  className?: string;
  classGuid?: string;
  hardwareIds: string[];
  driverVer: DriverVer;
}

const INBOX_DRIVER_VERSION = { date: '2006-06-21', version: '10.0.19041.1' };

/** Shared by every caller, so nobody may change them. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The INF such a driver would have: one decorated models section per architecture, since it exists for both. */
export function modelledInf(spec: ModelledDriverSpec): InfFile {
  const { section } = spec;
  const inf: InfFile = {
    file: spec.file,
    encoding: 'utf-16le',
    signature: '$Windows NT$',
    provider: spec.provider,
    ...(spec.className !== undefined ? { class: spec.className } : {}),
    ...(spec.classGuid !== undefined ? { classGuid: spec.classGuid } : {}),
    driverVer: spec.driverVer,
    manufacturers: [],
    modelsSections: [],
  };
  for (const [text, architecture] of [['NTx86', 'x86'], ['NTamd64', 'amd64']] as const) {
    const decoration = { text, architecture };
    inf.manufacturers.push({ name: spec.provider, modelsSection: section, decorations: [decoration], line: 0 });
    inf.modelsSections.push({
      section: `${section}.${text}`,
      manufacturer: spec.provider,
      decoration,
      line: 0,
      models: spec.hardwareIds.map((hardwareId) => ({ description: spec.description, installSection: section, hardwareId, compatibleIds: [], line: 0, featureScore: 0xff })),
    });
  }
  return inf;
}

function inboxDriver(spec: { inf: string; description: string; className: string; classGuid: string; hardwareIds: string[] }): CatalogDriver {
  const inf = modelledInf({ ...spec, file: `inbox:${spec.inf}`, provider: 'Microsoft', section: 'Inbox', driverVer: INBOX_DRIVER_VERSION });
  return deepFreeze({ id: inf.file, name: spec.description, inf, signed: true, signature: 'signed: inbox (Microsoft)', enabled: true, categories: [], inbox: true });
}

const SCSI_ADAPTER = '{4d36e97b-e325-11ce-bfc1-08002be10318}';
const NET = '{4d36e972-e325-11ce-bfc1-08002be10318}';

export const INBOX_DRIVERS: readonly CatalogDriver[] = [
  inboxDriver({ inf: 'storahci.inf', description: 'Standard SATA AHCI Controller', className: 'SCSIAdapter', classGuid: SCSI_ADAPTER, hardwareIds: ['PCI\\CC_010601'] }),
  inboxDriver({ inf: 'stornvme.inf', description: 'Standard NVM Express Controller', className: 'SCSIAdapter', classGuid: SCSI_ADAPTER, hardwareIds: ['PCI\\CC_010802'] }),
  inboxDriver({ inf: 'e1000 (Intel PRO/1000 inbox)', description: 'Intel(R) PRO/1000 MT Network Connection', className: 'Net', classGuid: NET, hardwareIds: ['PCI\\VEN_8086&DEV_100E'] }),
];
