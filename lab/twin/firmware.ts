// The path from power-on (or restart) to a running environment: POST, then each boot device
// in order — attached media, the network (PXE), the disks — as the real firmware tries them.

import type { RunEnvironment } from '../../harness/index.js';
import { diskBootVerdict } from './disk/boot.js';
import { pxeAnswer } from './site/pxe.js';
import { startFromMedia } from './site/media.js';
import { tftpRateCeiling, CONFIGMGR_TFTP_DEFAULTS } from './site/tftp-model.js';
import type { TwinMachine } from './machine.js';

export interface BootState {
  environment: RunEnvironment;
  bootedFrom: 'pxe' | 'bootMedia' | 'standaloneMedia' | 'prestagedMedia' | 'disk';
  /** Media of another architecture: the run starts, then architecture-dependent steps fail (§6.2). */
  architectureMismatch: boolean;
  poweredOn: boolean;
}

export type FirmwareOutcome =
  | { booted: true; environment: RunEnvironment }
  | { booted: false; reason: string; console?: string[] };

export async function firmwareBoot(machine: TwinMachine, signal: AbortSignal | undefined, options: { stagedWinPE: boolean }): Promise<FirmwareOutcome> {
  const sim = machine.world.sim;
  const t = machine.timings;
  const c = machine.config;
  await sim.sleep(t.postMs, signal);
  const reasons: string[] = [];
  const consoleLines: string[] = [];
  const up = (environment: RunEnvironment, bootedFrom: BootState['bootedFrom'], architectureMismatch = false): FirmwareOutcome => {
    machine.state = { environment, bootedFrom, architectureMismatch, poweredOn: true };
    return { booted: true, environment };
  };

  for (const device of c.bootOrder) {
    if (device === 'media' && c.media) {
      const start = startFromMedia(c.media, c.architecture, sim.now(), c.attended ?? false);
      if (!start.ok) {
        if (start.stallsForUser) await sim.sleep(t.promptTimeoutMs, signal);
        return { booted: false, reason: `boot media: ${start.reason}`, console: ['Enter the password for the task sequence media'] };
      }
      await sim.sleep(t.winpeBootMs, signal);
      const memory = memoryProblem(machine, c.media.bootImage);
      if (memory) return memory;
      if (start.needsNetwork) await sim.sleep(machine.world.managementPoints.get(c.site)!.policyReadyAt(sim.now()) - sim.now(), signal);
      return up('WinPE', start.bootedFrom, start.architectureMismatch);
    }
    if (device === 'network' && !options.stagedWinPE) {
      const outcome = await pxeBoot(machine, signal);
      if (outcome === 'fallThrough') continue;
      if (outcome.booted) return up('WinPE', 'pxe');
      return outcome;
    }
    if (device === 'disk') {
      if (options.stagedWinPE) {
        await sim.sleep(t.winpeBootMs, signal);
        return up('WinPE', 'disk');
      }
      for (const disk of machine.disks) {
        const verdict = diskBootVerdict(disk, c.firmware, c.architecture);
        if (verdict.boots) {
          await sim.sleep(t.osBootMs, signal);
          return up('FullOS', 'disk');
        }
        reasons.push(verdict.reason);
        consoleLines.push(...verdict.console);
      }
    }
  }
  machine.state = { ...machine.state, poweredOn: true };
  return { booted: false, reason: reasons.length > 0 ? `no bootable device: ${reasons.join('; ')}` : 'no bootable device', console: consoleLines };
}

async function pxeBoot(machine: TwinMachine, signal?: AbortSignal): Promise<FirmwareOutcome | 'fallThrough'> {
  const world = machine.world;
  const sim = world.sim;
  const c = machine.config;
  const t = machine.timings;
  const responders = world.pxeResponders.get(c.site) ?? [];
  const client = { name: c.name, mac: c.nic.mac, architecture: c.architecture, pressesF12: c.pressesF12 ?? false };
  const answer = pxeAnswer(client, responders);
  // DHCP and the PXE offer are the "pxe" phase of a capacity plan; the TFTP download is "bootImage".
  const began = sim.now();
  await sim.sleep(t.dhcpMs, signal);
  if (answer.kind === 'fallThrough') {
    await sim.sleep(t.pxeTimeoutMs, signal);
    world.observer?.phase(c.name, 'pxe', began, sim.now());
    return 'fallThrough';
  }
  const responder = answer.responder;
  await sim.sleep(responder.delayMs, signal);
  if (answer.kind === 'foreign') return { booted: false, reason: `PXE: ${responder.id} answered first and booted its own image`, console: [`PXE server ${responder.id}`] };
  if (answer.kind === 'fail') return { booted: false, reason: answer.reason, console: ['PXE-E53: No boot filename received'] };
  const bootImage = world.content.get(answer.deployment.bootImage);
  const dp = world.distributionPoint(responder.config.distributionPoint);
  if (!bootImage || !dp.has(bootImage.packageId)) {
    return { booted: false, reason: `PXE: boot image ${answer.deployment.bootImage} is not on ${dp.id}`, console: ['PXE-E32: TFTP open timeout'] };
  }
  const route = world.topology.route(dp.node, machine.node)!;
  const tftp = responder.config.tftp ?? CONFIGMGR_TFTP_DEFAULTS;
  const accessBps = c.nic.speedBps ?? 1e9;
  const cap = tftpRateCeiling(bootImage.bytes, tftp, accessBps, 2 * route.latencyMs);
  const tftpStart = sim.now();
  world.observer?.phase(c.name, 'pxe', began, tftpStart);
  await world.transfer(dp.node, machine.node, bootImage.bytes, cap, signal);
  world.observer?.phase(c.name, 'bootImage', tftpStart, sim.now());
  await sim.sleep(t.winpeBootMs, signal);
  const memory = memoryProblem(machine, bootImage.packageId);
  if (memory) return memory;
  if (responder.config.password !== undefined && !(c.attended ?? false)) {
    await sim.sleep(t.promptTimeoutMs, signal);
    return { booted: false, reason: 'PXE: the boot asks for the PXE password and nobody is there to type it (timed out, 0x800705B4 ERROR_TIMEOUT)', console: ['Enter the password'] };
  }
  responder.recordRequiredRun(client, answer.deployment);
  await sim.sleep(world.managementPoints.get(c.site)!.policyReadyAt(sim.now()) - sim.now(), signal);
  return { booted: true, environment: 'WinPE' };
}

/** WinPE runs from a RAM disk: a boot image bigger than the machine's memory does not start (§8.4). */
function memoryProblem(machine: TwinMachine, bootImageId: string): FirmwareOutcome | undefined {
  const needed = machine.world.content.get(bootImageId)?.memoryRequiredMB;
  if (needed === undefined || needed <= machine.config.memoryMB) return undefined;
  return {
    booted: false,
    reason: `boot image ${bootImageId} needs ${needed} MB of memory; the computer has ${machine.config.memoryMB} MB`,
    console: ['Windows failed to start.', 'Status: 0xc0000017', 'Info: There isn\'t enough memory available to create a ramdisk device.'],
  };
}
