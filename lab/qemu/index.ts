// Public surface of the QEMU lab (real machines): command line, QMP, agent channel, lab network, runs.

export {
  buildMachineCommand,
  nicRomFile,
  timeoutScale,
  AGENT_PORT_NAME,
  type Accelerator,
  type NicModel as QemuNicModel,
  type DiskController as QemuDiskController,
  type NicBackend,
  type NicSpec,
  type DiskSpec,
  type MediaSpec,
  type SmbiosSpec,
  type DirectKernelBoot,
  type QemuMachineSpec,
  type MachinePaths,
  type QemuCommand,
} from './machine-command.js';
export { FIRMWARE_FILES, firmwareImages, type FirmwareImages } from './firmware.js';
export { probeAccelerator, type AcceleratorChoice, type ProbeOptions } from './accelerator.js';
export { QmpClient, QmpError, type QmpEvent, type QmpGreeting, type QmpStatus } from './qmp.js';
export { AgentChannel, AgentError, AGENT_SCRIPT, type AgentFacts, type AgentPciDevice, type RunResult } from './agent-channel.js';
export { CleanupRegistry, type CleanupFailure } from './cleanup.js';
export { withLabRun, validateRunId, LabInterrupted, OWNER_FILE, type LabRun, type LabRunOptions } from './lab-run.js';
export { LabNetwork, namespaceName, parseLabCidr, type LabSubnet, type LabSubnetSpec, type LinkShaping } from './lab-network.js';
export { probeLinkEmulator, type LinkEmulator, type WanShaping } from './wan-link.js';
export { scenarioWanLinks, shapeScenarioLinks, type ShapedLink } from './scenario-links.js';
export { launchMachine, machinePaths, QemuMachine, type LaunchOptions, type MachineExit } from './machine-process.js';
export { attachConsole, locateMachineConsole, CONSOLE_LINK, DETACH_KEY, type ConsoleStreams } from './console-attach.js';
export { sweepStaleRuns } from './stale-runs.js';
export * from './disk/index.js';
export * from './machine/index.js';
export * from './media/index.js';
export * from './backend/index.js';
