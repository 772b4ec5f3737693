// The driver steps on the twin: the same plan as the QEMU lab (drivers/ planDriverStep) against
// the modelled devices, with the staged drivers written into the modelled Windows volume where
// DISM puts them, and Windows PE's network as the boot image's driver list allows it.
import type { DriverStepPlan } from '../../drivers/index.js';
import type { Volume } from './disk/volume.js';

/** What Windows PE says when no network adapter has a driver (TSMBootstrap), and why. */
export function noNetworkMessage(reason: string): string[] {
  return ['Failed to find a valid network adapter. Please ensure that this machine has network drivers.', reason];
}

/** Writes what one driver package's staged drivers leave in the offline Windows; returns the smsts.log lines. */
export function stageOnVolume(volume: Volume, letter: string, drivers: DriverStepPlan['downloads'][number]['drivers']): string[] {
  return drivers.map((s) => {
    const store = `\\windows\\system32\\driverstore\\filerepository\\${s.storeFolder}`;
    volume.writeFile(`${store}\\${s.inf ?? 'package.txt'}`, 64 * 1024);
    if (!s.inf) return `Staged the drivers of ${s.packageId} into ${letter}\\Windows\\System32\\DriverStore\\FileRepository\\${s.storeFolder}`;
    let n = 0;
    while (volume.exists(`\\windows\\inf\\oem${n}.inf`)) n++;
    volume.writeFile(`\\windows\\inf\\oem${n}.inf`, 64 * 1024);
    return `Staged ${s.inf} into ${letter}\\Windows\\System32\\DriverStore\\FileRepository\\${s.storeFolder} as ${letter}\\Windows\\INF\\oem${n}.inf`;
  });
}
