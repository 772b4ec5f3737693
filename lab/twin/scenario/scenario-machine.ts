// The twin machine of a scenario run: TwinMachine plus what the scenario says and the twin's config
// has no field for (real PCI IDs of the scenario's NIC, processor speed, SMBIOS extras), and what a
// scenario run needs to observe afterwards (user state restored, files a command line wrote).
import type { ActionOutcome, MachineClock, MachineFacts, RestartOutcome, RunCommandRequest, RunEnvironment, UserStateRequest } from '../../../harness/index.js';
import { diskBootVerdict, WINDOWS_MARKER } from '../disk/boot.js';
import type { Volume } from '../disk/volume.js';
import { EXIT } from '../exit-codes.js';
import { TwinMachine } from '../machine.js';
import type { TwinMachineConfig } from '../machine-config.js';
import type { TwinWorld } from '../world.js';
import type { MachineExtras } from './machine-config.js';

/** `… > C:\path` or `… >> "C:\path"` at the end of a command line: cmd creates (or appends to) that file. */
const REDIRECTION = />>?\s*"?([A-Za-z]:\\[^"<>|\r\n]*?)"?\s*$/;

export class ScenarioTwinMachine extends TwinMachine {
  override readonly clock: MachineClock;
  /** USMT's loadstate succeeded (Restore User Files and Settings). */
  userStateRestored = false;

  constructor(
    world: TwinWorld,
    config: TwinMachineConfig,
    private readonly extras: MachineExtras,
    clock: MachineClock,
  ) {
    super(world, config);
    this.clock = clock;
  }

  override async facts(): Promise<MachineFacts> {
    const facts = await super.facts();
    const x = this.extras;
    const pciDevices = x.nicPci ? facts.pciDevices.map((d, i) => (i === 0 ? { ...x.nicPci!, driverLoaded: d.driverLoaded } : d)) : facts.pciDevices;
    return {
      ...facts,
      processorSpeedMHz: x.processorSpeedMHz,
      smbios: { ...facts.smbios, ...(x.biosVersion !== undefined ? { biosVersion: x.biosVersion } : {}), ...(x.assetTag !== undefined ? { assetTag: x.assetTag } : {}) },
      pciDevices,
      networkAdapters: facts.networkAdapters.map((a) => ({ ...a, model: x.nicModel })),
    };
  }

  override async runCommand(request: RunCommandRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const outcome = await super.runCommand(request, signal);
    const target = REDIRECTION.exec(request.commandLine)?.[1];
    if (outcome.exitCode === EXIT.success && target) {
      const volume = this.volumeOf(target);
      if (!volume) return { exitCode: EXIT.pathNotFound, output: [`The system cannot find the path specified: ${target}`] };
      volume.writeFile(target, Math.max(volume.info(target).sizeBytes ?? 0, 64));
    }
    return outcome;
  }

  override async userState(request: UserStateRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const outcome = await super.userState(request, signal);
    if (request.operation === 'restore' && outcome.exitCode === EXIT.success) this.userStateRestored = true;
    return outcome;
  }

  /**
   * A restart to the hard disk boots the disks, as the task sequence's "reboot to local hard disk"
   * sets the next boot; media still attached and PXE are not tried. A restart to WinPE follows the
   * boot order (the boot image staged on disk, or the media).
   */
  override async restart(target: RunEnvironment, signal?: AbortSignal): Promise<RestartOutcome> {
    if (target === 'WinPE') return super.restart(target, signal);
    const order = this.config.bootOrder;
    this.config.bootOrder = order.filter((d) => d === 'disk');
    try {
      return await super.restart(target, signal);
    } finally {
      this.config.bootOrder = order;
    }
  }

  /** Whether the firmware finds Windows on a disk now. */
  bootsToFullOs(): boolean {
    return this.disks.some((d) => diskBootVerdict(d, this.config.firmware, this.config.architecture).boots);
  }

  /**
   * The volume a path names. In the full OS, and when asked after the run, C: is the installed
   * Windows' system drive (whatever letter WinPE gave it); other letters are the current ones.
   */
  volumeOf(path: string, asInstalledOs = this.state.environment === 'FullOS'): Volume | undefined {
    const letter = /^([A-Za-z]:)/.exec(path)?.[1]?.toUpperCase();
    if (!letter) return undefined;
    if (letter === 'C:' && asInstalledOs) {
      const os = this.partitions().find((p) => p.volume?.exists(WINDOWS_MARKER));
      if (os?.volume) return os.volume;
    }
    return this.partitions().find((p) => p.driveLetter === letter)?.volume;
  }
}
