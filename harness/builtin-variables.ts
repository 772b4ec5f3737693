// Read-only built-in variables (osd-behaviours §3.4) the engine derives from the machine's state.
// Start-up values are set once; environment values are set again after every restart.
import { ACTIONS } from './actions/table.js';
import type { MachineFacts } from './machine.js';
import type { TaskSequenceNode } from './model.js';

/** What the deployment (not the machine) tells the engine at start. */
export interface DeploymentContext {
  packageId?: string;
  packageName?: string;
  /** Advertisement (deployment) ID; undefined on stand-alone media, as in ConfigMgr. */
  advertId?: string;
  siteCode?: string;
  managementPoint?: string;
  bootImageId?: string;
  /** "1" generic, "2" operating system deployment. */
  type: '1' | '2';
  orgName?: string;
}

/** The ConfigMgr client's default cache folder. */
const CLIENT_CACHE = 'C:\\Windows\\ccmcache';

const MEDIA_TYPE: Record<MachineFacts['bootedFrom'], string | undefined> = {
  pxe: 'PXE',
  bootMedia: 'BootMedia',
  standaloneMedia: 'FullMedia',
  prestagedMedia: 'OEMMedia',
  disk: undefined,
};

const LAUNCH_MODE: Record<MachineFacts['bootedFrom'], string> = {
  pxe: 'PXE',
  bootMedia: 'CD',
  standaloneMedia: 'CD',
  prestagedMedia: 'CD',
  disk: 'SMS',
};

/** Variables fixed when the task sequence starts; they persist across restarts (a refresh keeps _SMSTSClientCache). */
export function startupVariables(facts: MachineFacts, deployment: DeploymentContext): Record<string, string> {
  const vars: Record<string, string> = {
    _SMSTSLaunchMode: LAUNCH_MODE[facts.bootedFrom],
    _SMSTSType: deployment.type,
    _SMSTSMake: facts.smbios.manufacturer,
    _SMSTSModel: facts.smbios.product,
    _SMSTSSerialNumber: facts.smbios.serial,
    _SMSTSUUID: facts.smbios.uuid,
    _SMSTSMacAddresses: facts.networkAdapters.map((a) => a.mac.toUpperCase()).join(','),
    _SMSTSMachineName: facts.name,
    _SMSTSBootUEFI: String(facts.firmware === 'uefi'),
    _SMSTSAssetTag: facts.smbios.assetTag ?? '',
  };
  const media = MEDIA_TYPE[facts.bootedFrom];
  if (media) vars._SMSTSMediaType = media;
  // Launched by the ConfigMgr client in the full OS: its cache exists (and keeps existing across the
  // restart into WinPE), which is what the samples' "_SMSTSClientCache not exists" guard relies on.
  if (facts.bootedFrom === 'disk' && facts.environment === 'FullOS') vars._SMSTSClientCache = CLIENT_CACHE;
  if (deployment.packageId) vars._SMSTSPackageID = deployment.packageId;
  if (deployment.packageName) vars._SMSTSPackageName = deployment.packageName;
  if (deployment.advertId && facts.bootedFrom !== 'standaloneMedia') vars._SMSTSAdvertID = deployment.advertId;
  if (deployment.siteCode) vars._SMSTSSiteCode = deployment.siteCode;
  if (deployment.managementPoint) vars._SMSTSMP = deployment.managementPoint;
  if (deployment.bootImageId) vars._SMSTSBootImageID = deployment.bootImageId;
  if (deployment.orgName) vars._SMSTSOrgName = deployment.orgName;
  return { ...vars, ...environmentVariables(facts) };
}

/** Variables that follow the running environment; set at start and after every restart. */
export function environmentVariables(facts: MachineFacts): Record<string, string> {
  const inWinPE = facts.environment === 'WinPE';
  const hasVolume = facts.disks.some((d) => d.partitions.some((p) => p.fileSystem && p.driveLetter));
  const vars: Record<string, string> = {
    _SMSTSInWinPE: String(inWinPE),
    // "_SMSTSLogPath cannot be set when no hard drive is available": WinPE keeps it on the RAM disk.
    _SMSTSLogPath: inWinPE
      ? hasVolume
        ? 'C:\\_SMSTaskSequence\\Logs\\Smstslog'
        : 'X:\\Windows\\Temp\\SMSTSLog'
      : 'C:\\Windows\\CCM\\Logs\\SMSTSLog',
  };
  // Apply Operating System Image reports it too; only an OS that reports in can confirm it.
  if (facts.operatingSystem) vars._OSDDetectedWinDir = 'C:\\WINDOWS\\';
  return vars;
}

/** "2" when the sequence deploys an operating system (it has a WinPE-only step), else "1" (generic). */
export function taskSequenceType(nodes: TaskSequenceNode[]): '1' | '2' {
  const deploysOs = (list: TaskSequenceNode[]): boolean =>
    list.some((n) => (n.kind === 'group' ? deploysOs(n.children) : ACTIONS.some((a) => a.stepType.className === n.type && a.environments.length === 1 && a.environments[0] === 'WinPE')));
  return deploysOs(nodes) ? '2' : '1';
}
