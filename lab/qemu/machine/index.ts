// The task-sequence machine on a real QEMU machine (issue 5 items 5 and 6): docs/qemu-machine.md.
export { QemuTaskSequenceMachine, type QemuTaskSequenceMachineOptions } from './machine.js';
export { MediaContentSource, writeContentMedia, CONTENT_MEDIA_LABEL, type ContentSource, type LocatedContent } from './content-source.js';
export { planPartitions, partitionDevice, GPT_TYPES, type PartitionPlan, type PlannedPartition, type PlanResult } from './partition-plan.js';
export { bootFailure, consoleEvidence, watchForBootFailure } from './firmware-console.js';
export { GuestShell, guestCommandLine, guestPath, mountPoint } from './guest-shell.js';
export { DistributionPointContentSource, downloadScript, type DistributionPointContentSourceOptions, type DpCatalogPackage } from './dp-content-source.js';
export { bringUpGuestNetwork, guestNetworkScript } from './dp-network.js';
export { captureTarget, type CaptureSite } from './capture.js';
