// What a PXE responder answers one client, as a pure function (osd-behaviours §5, ts-formats §d):
// enabled → interface allowed → known computer (MAC, SMBIOS GUID or name) or unknown-computer
// support → a PXE-available deployment targeting it (a required one not already run) → a boot
// image of the client's architecture on the DP. The real responder and the twin's model
// (lab/twin/site/pxe.ts) take the same steps; the twin's PxeResponderConfig fits PxePolicy.
import type { Architecture, Firmware } from '../../../harness/index.js';
import type { PxeDeployment } from '../../twin/index.js';

export interface PxePolicy {
  /** ConfigMgr's responder, or another PXE server (legacy WDS, a rogue server) that answers everyone. */
  kind?: 'configmgr' | 'other';
  enabled?: boolean;
  unknownComputerSupport?: boolean;
  password?: string;
  /** Boot image package per architecture on the PXE distribution point. */
  bootImages: Partial<Record<Architecture, string>>;
  distributionPoint: string;
  deployments?: PxeDeployment[];
  /** Imported computers: names, MACs or SMBIOS GUIDs. */
  knownComputers?: string[];
  /** Interfaces the responder answers on (the console's "specific interfaces"); default: all. */
  allowedInterfaces?: string[];
  /** Boot file a kind "other" server hands out. */
  foreignBootFile?: string;
}

export interface PxeRequest {
  mac: string;
  smbiosGuid?: string;
  /** Known to the twin; a real client does not send it. */
  name?: string;
  firmware: Firmware;
  architecture: Architecture;
  /** The interface the request came in on. */
  interface?: string;
  /** The required deployment this computer last ran by PXE (not offered again until cleared). */
  lastRequiredDeployment?: string;
}

export type PxeDecision =
  /** No answer at all; the reason is what SMSPXE.log says. */
  | { action: 'ignore'; reason: string; known?: boolean }
  /** The boot is refused; BIOS clients get abortpxe.com, UEFI clients no answer. */
  | { action: 'abort'; reason: string; known: boolean; bootFile?: string }
  | { action: 'boot'; known: boolean; deployment: PxeDeployment; bootImage: string; bootFile: string; prompt: 'none' | 'f12'; passwordRequired: boolean }
  /** A non-ConfigMgr server's answer: its own boot file for everyone. */
  | { action: 'foreign'; bootFile: string };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function identifies(entry: string, r: PxeRequest): boolean {
  return same(entry, r.mac) || (r.smbiosGuid !== undefined && same(entry, r.smbiosGuid)) || (r.name !== undefined && entry === r.name);
}

/** ConfigMgr's boot files under RemoteInstall\SMSBoot (ts-formats §d). */
export function pxeBootFile(firmware: Firmware, architecture: Architecture, kind: 'required' | 'available' | 'abort'): string | undefined {
  const dir = `SMSBoot\\${architecture}\\`;
  if (firmware === 'bios') return dir + { required: 'pxeboot.n12', available: 'pxeboot.com', abort: 'abortpxe.com' }[kind];
  // UEFI: bootmgfw.efi boots without a key; wdsmgfw.efi asks for one. There is no UEFI abortpxe.
  return kind === 'abort' ? undefined : dir + (kind === 'required' ? 'bootmgfw.efi' : 'wdsmgfw.efi');
}

export function decidePxe(policy: PxePolicy, request: PxeRequest): PxeDecision {
  if (policy.enabled === false) return { action: 'ignore', reason: 'the PXE responder is disabled' };
  if (policy.allowedInterfaces && !(request.interface !== undefined && policy.allowedInterfaces.some((i) => same(i, request.interface!)))) {
    return { action: 'ignore', reason: `interface ${request.interface ?? '(unknown)'} is not one the responder answers on` };
  }
  if (policy.kind === 'other') return { action: 'foreign', bootFile: policy.foreignBootFile ?? 'pxelinux.0' };
  const known = (policy.knownComputers ?? []).some((k) => identifies(k, request));
  if (!known && !policy.unknownComputerSupport) return { action: 'ignore', known, reason: 'device is not in the database. Not serviced.' };
  const targeted = (policy.deployments ?? []).filter((d) => (d.targets === 'unknownComputers' ? !known : d.targets.some((t) => identifies(t, request))));
  if (targeted.length === 0) return { action: 'ignore', known, reason: 'no advertisements found. No boot action. Aborted.' };
  const offered = targeted.filter((d) => !d.required || d.id !== request.lastRequiredDeployment);
  if (offered.length === 0) {
    return { action: 'ignore', known, reason: `the last required deployment ${request.lastRequiredDeployment} already ran (clear the last PXE deployment to re-run it). No boot action. Aborted.` };
  }
  const bootImage = policy.bootImages[request.architecture];
  if (!bootImage) {
    const abortFile = pxeBootFile(request.firmware, request.architecture, 'abort');
    return {
      action: 'abort',
      known,
      reason: `no ${request.architecture} boot image on the PXE distribution point ${policy.distributionPoint}: an ${request.architecture} client needs one even for a task sequence of another architecture. Aborted.`,
      ...(abortFile ? { bootFile: abortFile } : {}),
    };
  }
  const deployment = offered.find((d) => d.required) ?? offered[0]!;
  const kind = deployment.required ? 'required' : 'available';
  return {
    action: 'boot',
    known,
    deployment,
    bootImage,
    bootFile: pxeBootFile(request.firmware, request.architecture, kind)!,
    prompt: deployment.required ? 'none' : 'f12',
    passwordRequired: policy.password !== undefined,
  };
}

export interface PxeClientBehaviour {
  /** Someone presses F12 at the prompt of an available deployment. */
  pressesF12: boolean;
  /** Someone is there to type the PXE password. */
  attended: boolean;
}

export type PxeClientOutcome =
  | { outcome: 'boots'; responder: string; decision: Extract<PxeDecision, { action: 'boot' }> }
  | { outcome: 'foreign'; responder: string; bootFile: string }
  | { outcome: 'fails'; responder: string; reason: string }
  /** The password prompt waits for a person; a headless run times out (the scenario's timeout fails it). */
  | { outcome: 'stalls'; responder: string; reason: string }
  /** The firmware tries the next boot device. */
  | { outcome: 'fallsThrough'; reason: string };

export interface ResponderAnswer {
  id: string;
  delayMs: number;
  decision: PxeDecision;
}

/** The client takes the first answer it hears: the lowest response delay, then the order heard. */
export function firstAnswer(answers: readonly ResponderAnswer[]): ResponderAnswer | undefined {
  return answers
    .map((a, order) => ({ a, order }))
    .filter(({ a }) => a.decision.action !== 'ignore' && !(a.decision.action === 'abort' && a.decision.bootFile === undefined))
    .sort((x, y) => x.a.delayMs - y.a.delayMs || x.order - y.order)[0]?.a;
}

/** What a client does with the answers of every responder on its subnet. */
export function pxeClientOutcome(answers: readonly ResponderAnswer[], client: PxeClientBehaviour): PxeClientOutcome {
  const first = firstAnswer(answers);
  if (!first) {
    const refusal = answers.find((a) => a.decision.action === 'abort');
    return refusal ? { outcome: 'fails', responder: refusal.id, reason: (refusal.decision as { reason: string }).reason } : { outcome: 'fallsThrough', reason: 'PXE-E53: No boot filename received' };
  }
  const d = first.decision;
  if (d.action === 'foreign') return { outcome: 'foreign', responder: first.id, bootFile: d.bootFile };
  if (d.action === 'abort') return { outcome: 'fails', responder: first.id, reason: d.reason };
  if (d.action !== 'boot') return { outcome: 'fallsThrough', reason: 'PXE-E53: No boot filename received' };
  if (d.prompt === 'f12' && !client.pressesF12) return { outcome: 'fallsThrough', reason: 'Press F12 for network service boot: no key pressed' };
  if (d.passwordRequired && !client.attended) return { outcome: 'stalls', responder: first.id, reason: 'the boot asks for the PXE password and nobody is there to type it' };
  return { outcome: 'boots', responder: first.id, decision: d };
}

/** Option 93 (RFC 4578 / IANA; ConfigMgr treats 7 and 9 both as x64) → firmware and architecture. */
export function clientArchitecture(type: number | undefined): { firmware: Firmware; architecture?: Architecture; label: string } | undefined {
  switch (type) {
    case undefined:
    case 0:
      // The BIOS NBP (wdsnbp.com) finds out the CPU's architecture on the machine itself.
      return { firmware: 'bios', label: 'x86 BIOS' };
    case 6:
      return { firmware: 'uefi', architecture: 'x86', label: 'EFI IA32' };
    case 7:
      return { firmware: 'uefi', architecture: 'x64', label: 'EFI BC' };
    case 9:
      return { firmware: 'uefi', architecture: 'x64', label: 'EFI x86-64' };
    default:
      return undefined;
  }
}
