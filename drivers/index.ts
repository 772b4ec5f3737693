// Public surface of the driver catalog: INF parsing, PnP-style matching, the decisions of the
// driver steps, and the lab's driver ↔ device ↔ Linux module table.
export { parseInf, readInf, type InfFile, type InfModel, type InfModelsSection, type InfStamping, type DriverVer } from './inf/parse.js';
export type { InfEncoding } from './inf/text.js';
export { DEFAULT_TARGET_OS, parseDecoration, type TargetOs, type TargetOsDecoration, type InfArchitecture } from './inf/decoration.js';
export { pciDeviceIdentity, deviceIdentity, type DeviceIdentity, type PciIdScheme } from './pnp/device-ids.js';
export { rankDrivers, applicableSections, compareCandidates, whyAhead, formatRank, DRIVER_UNTRUSTED_RANK, type Candidate, type Misfit, type IdentifierMatch, type RankableDriver } from './pnp/rank.js';
export { importDrivers, findInfFiles, bootImageDrivers, BOOT_CRITICAL_CLASSES, type CatalogDriver, type DriverPackage, type DriverCatalog, type ImportOptions, type Rejection } from './catalog.js';
export { INBOX_DRIVERS, modelledInf, type ModelledDriverSpec } from './inbox.js';
export { autoApplyDrivers, applyDriverPackage, decideDriverStep, type DriverStepDecision, type AutoApplyOptions, type DriverStepOptions, type DeviceDriverDecision, type ApplyDriverPackageDecision } from './apply.js';
export { LAB_DEVICES, guestKernelModules, winpeDriverFor, type LabDevice, type GuestModule } from './lab-devices.js';
export { scenarioDriverCatalog, scenarioBootImageDrivers, scenarioBootImageDriverLists, bootImageLinuxModules, targetOs } from './scenario-catalog.js';
export { planDriverStep, type DriverStepPlan, type DriverStaging, type DriverStepPlanOptions } from './step-plan.js';
