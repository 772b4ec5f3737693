// What the scenario runner needs from a lab, whichever backend it is: the twin (a model on a virtual
// clock) or the QEMU lab (real machines on wall time). Both speak of the field — machines booting
// into a deployment, the site's time passing, what a machine shows afterwards — never of their insides.
import type { Collection, ComputerRecord, Deployment, Machine, Media, Scenario } from '../scenarios/index.js';
import type { DiskFacts, MachineClock, TaskSequenceMachine } from './machine.js';

/**
 * How the machine reaches its deployment: PXE, boot media (the media contact the management point),
 * stand-alone or prestaged media (the task sequence is on the media), or the ConfigMgr client in the
 * installed OS.
 */
export type LaunchMode = 'pxe' | 'bootMedia' | 'standaloneMedia' | 'prestagedMedia' | 'client';

/** One machine of the run and the deployment it would run, as the runner resolved them from the scenario. */
export interface MachinePlan {
  machine: Machine;
  /** The computer record that matched it (by name, MAC or SMBIOS GUID); absent for an unknown computer. */
  computer?: ComputerRecord;
  /** Collections it is a member of. */
  collections: Collection[];
  deployment: Deployment;
  /** Attached media it starts from (launch bootMedia, standaloneMedia, prestagedMedia). */
  media?: Media;
  launch: LaunchMode;
  /** Capacity group (`clients:`) the machine belongs to. */
  group?: string;
  /** Milliseconds after the lab opened at which the machine is powered on (arrival pattern, powerOn event). */
  powerOnAtMs: number;
}

/** The machine started into its deployment, or the evidence of why it never did. */
export type MachineStart =
  | {
      started: true;
      machine: TaskSequenceMachine;
      /** Lab clock when it was powered on. */
      poweredOnAt: number;
      /** smsts.log lines from before the task sequence started (PXE boot, policy request), in order. */
      bootLog?: { component: string; message: string }[];
    }
  | {
      started: false;
      /**
       * Pseudo step named in the result: "(PXE boot)", "(media boot)", "(boot)" or "(client policy)".
       * Parenthesised so that it never collides with a step of the task sequence.
       */
      failedStep: string;
      reason: string;
      console?: string[];
      poweredOnAt: number;
    };

/** The WIM a machine's last Capture Operating System Image step wrote, as the lab finds it on the capture share. */
export interface CapturedImageFacts {
  destination: string;
  imageCount: number;
  /** Of image 1 (a capture writes one image). */
  name: string;
  description?: string;
  version?: string;
  /** Path in the image, as the expectation writes it → present in image 1. */
  files: Record<string, boolean>;
}

/** What the lab shows of a machine after its task sequence ended. */
export interface MachineObservation {
  disks: DiskFacts[];
  /** Path → present, for the paths asked about; C: is the installed OS's system drive. */
  files: Record<string, boolean>;
  userStateRestored: boolean;
  /** Whether the firmware would boot the machine from its disk into the full OS now. */
  bootsToFullOs: boolean;
  /** Absent when the machine captured no image. */
  capturedImage?: CapturedImageFacts;
}

/** A lab opened for one scenario run. Always closed, also on failure or abort. */
export interface Lab {
  /** The lab's time: virtual on the twin, wall time on the QEMU lab (ms since the epoch). */
  readonly clock: MachineClock;
  /** Powers the machine on at its plan's time and brings it into its deployment. */
  start(plan: MachinePlan, signal: AbortSignal): Promise<MachineStart>;
  /**
   * Lets the lab's time pass while `work` (every machine's run) is under way. Resolves when the work
   * settled or when nothing in the lab can happen any more (a machine waiting for content that never
   * comes); the runner reports machines still unfinished then as errors.
   */
  run(work: Promise<unknown>, signal: AbortSignal): Promise<void>;
  observe(plan: MachinePlan, files: string[], signal: AbortSignal): Promise<MachineObservation>;
  close(): Promise<void>;
}

export interface LabBackend {
  readonly name: 'twin' | 'qemu';
  /** Builds the site, network and machines of the scenario for the plans given (the machines of this run). */
  open(scenario: Scenario, plans: MachinePlan[], signal: AbortSignal): Promise<Lab>;
}
