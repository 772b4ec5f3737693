// The one registration table of action modules, keyed by ConfigMgr class name. Types not listed here
// (vendor classes) run their <action> command line through runCommand.
import { applyDataImage } from './apply-data-image.js';
import { applyDriverPackage } from './apply-driver-package.js';
import { applyOperatingSystemImage } from './apply-operating-system.js';
import { autoApplyDrivers } from './auto-apply-drivers.js';
import { captureOperatingSystemImage } from './capture-image.js';
import { checkReadiness } from './check-readiness.js';
import { commandLineAction, runActionLine } from './command-line.js';
import { convertDiskToDynamic } from './convert-disk.js';
import { downloadPackageContent } from './download-package-content.js';
import { installApplication, installPackage } from './install-software.js';
import { joinDomainOrWorkgroup } from './join-domain.js';
import { formatAndPartitionDisk } from './partition-disk.js';
import { restartComputer } from './restart-computer.js';
import { runCommandLine } from './run-command-line.js';
import { runPowerShellScript } from './run-powershell-script.js';
import { runTaskSequence } from './run-task-sequence.js';
import { setDynamicVariables } from './set-dynamic-variables.js';
import { setTaskSequenceVariable } from './set-variable.js';
import { applyNetworkSettings, applyWindowsSettings } from './settings.js';
import { setupWindowsAndConfigMgr } from './setup-windows.js';
import { releaseStateStore, requestStateStore } from './state-store.js';
import type { ActionModule } from './types.js';
import { captureUserState, restoreUserState } from './user-state.js';

const BOTH = ['WinPE', 'FullOS'] as const;
const FULL_OS = ['FullOS'] as const;
const WINPE = ['WinPE'] as const;

export const ACTIONS: readonly ActionModule[] = [
  runCommandLine,
  runPowerShellScript,
  setTaskSequenceVariable,
  setDynamicVariables,
  restartComputer,
  checkReadiness,
  formatAndPartitionDisk,
  convertDiskToDynamic,
  applyOperatingSystemImage,
  applyDataImage,
  applyWindowsSettings,
  applyNetworkSettings,
  setupWindowsAndConfigMgr,
  autoApplyDrivers,
  applyDriverPackage,
  joinDomainOrWorkgroup,
  downloadPackageContent,
  requestStateStore,
  releaseStateStore,
  captureUserState,
  restoreUserState,
  captureOperatingSystemImage,
  runTaskSequence,
  installPackage,
  installApplication,
  // No machine primitive models these; their <action> runs as a command line in the policy environment (§2.28).
  commandLineAction('SMS_TaskSequence_ConnectNetworkFolderAction', BOTH),
  commandLineAction('SMS_TaskSequence_InstallUpdateAction', FULL_OS),
  commandLineAction('SMS_TaskSequence_EnableBitLockerAction', FULL_OS),
  commandLineAction('SMS_TaskSequence_DisableBitLockerAction', FULL_OS),
  commandLineAction('SMS_TaskSequence_OfflineEnableBitLockerAction', WINPE),
  commandLineAction('SMS_TaskSequence_CaptureNetworkSettingsAction', FULL_OS),
  commandLineAction('SMS_TaskSequence_CaptureWindowsSettingsAction', BOTH),
  commandLineAction('SMS_TaskSequence_InstallDeployToolsAction', FULL_OS),
  commandLineAction('SMS_TaskSequence_PrepareSMSClientAction', FULL_OS),
  commandLineAction('SMS_TaskSequence_PrepareOSAction', FULL_OS),
  commandLineAction('SMS_TaskSequence_UpgradeOperatingSystemAction', FULL_OS),
];

/** How a step of a class unknown to ConfigMgr's catalogue runs: its <action> through runCommand, anywhere. */
export const GENERIC_ACTION = { environments: BOTH, run: runActionLine } as const;

const fold = (s: string) => s.trim().toLowerCase();

/** The module for a class name (case-insensitive); MDT BDD_* and vendor classes fall back to the command line. */
export function actionFor(type: string): ActionModule | undefined {
  return ACTIONS.find((a) => fold(a.stepType.className) === fold(type));
}
