// PXE responder semantics (osd-behaviours §5): who gets an answer, which boot image, and what
// the client does with it. Several responders on a subnet: the first answer wins.

import type { Architecture } from '../../../harness/index.js';
import type { TftpSettings } from './tftp-model.js';

export interface PxeDeployment {
  id: string;
  /** Boot image package of the task sequence (x86 on x64 hardware is allowed by PXE). */
  bootImage: string;
  /** Required (mandatory) boots without a prompt; available needs F12. */
  required: boolean;
  /** Computer names or MACs targeted; "unknownComputers" targets the unknown-computer collection. */
  targets: string[] | 'unknownComputers';
}

export interface PxeResponderConfig {
  id: string;
  site: string;
  /** ConfigMgr's responder, or another PXE server (legacy WDS, a rogue server) that answers everyone. */
  kind?: 'configmgr' | 'other';
  enabled?: boolean;
  /** "Response delay (seconds)", here in ms; default immediate. */
  responseDelayMs?: number;
  unknownComputerSupport?: boolean;
  /** "Require a password for computer to boot to PXE". */
  password?: string;
  /** Boot image package per architecture held on the PXE DP (SMSPXEIMAGES$). */
  bootImages: Partial<Record<Architecture, string>>;
  /** Distribution point that serves TFTP for this responder. */
  distributionPoint: string;
  tftp?: TftpSettings;
  deployments?: PxeDeployment[];
  /** Computers imported into the site (names or MACs). */
  knownComputers?: string[];
}

export interface PxeClient {
  name: string;
  mac: string;
  architecture: Architecture;
  /** The user presses F12 for an available deployment (a scenario knob). */
  pressesF12: boolean;
}

export type PxeAnswer =
  | { kind: 'boot'; responder: PxeResponder; deployment: PxeDeployment }
  | { kind: 'foreign'; responder: PxeResponder }
  | { kind: 'fail'; responder: PxeResponder; reason: string }
  /** Nobody offered anything this client takes: the firmware tries the next boot device. */
  | { kind: 'fallThrough'; reason: string };

/** Computer names (as written) and MACs (any case), looked up in O(1): a site may know 10^5 clients. */
class ComputerSet {
  private readonly names: Set<string>;
  private readonly lower: Set<string>;

  constructor(entries: readonly string[]) {
    this.names = new Set(entries);
    this.lower = new Set(entries.map((e) => e.toLowerCase()));
  }

  has(client: PxeClient): boolean {
    return this.names.has(client.name) || this.lower.has(client.mac.toLowerCase());
  }
}

export class PxeResponder {
  /** Last required deployment each computer ran; not offered again until cleared. */
  private readonly lastRequired = new Map<string, string>();
  private readonly known: ComputerSet;
  private readonly targets = new Map<PxeDeployment, ComputerSet>();

  constructor(readonly config: PxeResponderConfig) {
    this.known = new ComputerSet(config.knownComputers ?? []);
    for (const d of config.deployments ?? []) if (d.targets !== 'unknownComputers') this.targets.set(d, new ComputerSet(d.targets));
  }

  get id(): string {
    return this.config.id;
  }

  get delayMs(): number {
    return this.config.responseDelayMs ?? 0;
  }

  /** "Clear Last PXE Advertisement" for a computer. */
  clearLastPxeAdvertisement(computer: string): void {
    this.lastRequired.delete(computer);
  }

  recordRequiredRun(client: PxeClient, deployment: PxeDeployment): void {
    if (deployment.required) this.lastRequired.set(client.name, deployment.id);
  }

  /** The deployments this responder would offer the client, or undefined when it stays silent. */
  offers(client: PxeClient): PxeDeployment[] | undefined {
    const c = this.config;
    if (c.enabled === false) return undefined;
    if (c.kind === 'other') return [];
    const known = this.known.has(client);
    if (!known && !c.unknownComputerSupport) return undefined;
    const targeted = (c.deployments ?? []).filter((d) => (d.targets === 'unknownComputers' ? !known : this.targets.get(d)!.has(client)));
    const offered = targeted.filter((d) => !d.required || this.lastRequired.get(client.name) !== d.id);
    return offered.length > 0 ? offered : undefined;
  }
}

/** What the client ends up with when every responder on its subnet hears its DHCPDISCOVER. */
export function pxeAnswer(client: PxeClient, responders: readonly PxeResponder[]): PxeAnswer {
  const answering = responders
    .map((r, order) => ({ r, order, offers: r.offers(client) }))
    .filter((a) => a.offers !== undefined)
    .sort((a, b) => a.r.delayMs - b.r.delayMs || a.order - b.order);
  const first = answering[0];
  if (!first) return { kind: 'fallThrough', reason: 'PXE-E53: No boot filename received' };
  const responder = first.r;
  if (responder.config.kind === 'other') return { kind: 'foreign', responder };
  if (!responder.config.bootImages[client.architecture]) {
    return { kind: 'fail', responder, reason: `PXE boot aborted: no ${client.architecture} boot image on the PXE distribution point ${responder.config.distributionPoint}` };
  }
  const offers = first.offers!;
  const required = offers.find((d) => d.required);
  if (required) return { kind: 'boot', responder, deployment: required };
  if (!client.pressesF12) return { kind: 'fallThrough', reason: 'Press F12 for network service boot: no key pressed' };
  return { kind: 'boot', responder, deployment: offers[0]! };
}
