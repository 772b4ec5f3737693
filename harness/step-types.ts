// The catalogue of task-sequence step types ConfigMgr and MDT write (ts-formats §a.3, osd-behaviours §2).
// Pure data and lookups: the engine's action table is keyed by `className` and adds the behaviour.
import type { RunIn } from './model.js';

/** One <defaultVarList>/<variable> a step of this type carries. */
export interface StepTypeVariable {
  /** Task-sequence variable name (what `with:` in YAML and smsts.log use). */
  name: string;
  /** The WMI property of the step class it maps to. */
  property: string;
  /** `hidden="true"`: package IDs, command lines — not offered as overridable variables in the console. */
  hidden: boolean;
  /** The value the console writes when the admin leaves the field as is. */
  default?: string;
}

export interface StepType {
  /** ConfigMgr class name as written in `type` (e.g. SMS_TaskSequence_RunCommandLineAction). */
  className: string;
  /** osdlab short name, used in YAML task sequences (e.g. RunCommandLine). */
  name: string;
  /** Name in the task sequence editor's Add menu. */
  displayName: string;
  /** Names the New Task Sequence wizard gives the step (osd-behaviours §2 table). */
  wizardNames: string[];
  /** Environment the console writes in `runIn` for a new step of this type. */
  runIn: RunIn;
  /** The `<action>` command line the console generates; <PKG> stands for a package ID. */
  action: string;
  variables: StepTypeVariable[];
  /** MDT's BDD_* types, run by the MDT toolkit scripts. */
  mdt?: boolean;
  /** Element name when it is not <step> (Run Task Sequence is <subtasksequence>). */
  element?: 'subtasksequence';
  /** Default retryCount the console writes on the element (Install Application writes 2). */
  retryCount?: number;
}

/**
 * Variables written as "Name" (property = name), "Name=Property", with a trailing "*" for hidden,
 * and an optional default after " := ". Keeps the table below readable at a glance.
 */
function vars(...specs: string[]): StepTypeVariable[] {
  return specs.map((spec) => {
    const [head, def] = spec.split(' := ');
    const hidden = head.endsWith('*');
    const [name, property] = (hidden ? head.slice(0, -1) : head).split('=');
    return { name, property: property ?? name, hidden, ...(def !== undefined ? { default: def } : {}) };
  });
}

function partitionVariables(): string[] {
  // The console writes OSDPartitions<n>* per partition; the catalogue lists the properties of partition 0
  // as the pattern (lint matches OSDPartitions<digits><Property> against it).
  const props = ['Type', 'FileSystem', 'Bootable', 'QuickFormat', 'Size', 'SizeUnits', 'VolumeName', 'AssignVolumeLetter', 'VolumeLetterVariable'];
  return props.map((p) => `OSDPartitions0${p}=Partitions0${p}`);
}

const T = (
  className: string,
  name: string,
  displayName: string,
  runIn: RunIn,
  action: string,
  variables: StepTypeVariable[],
  extra: Partial<Pick<StepType, 'wizardNames' | 'mdt' | 'element' | 'retryCount'>> = {},
): StepType => ({ className, name, displayName, runIn, action, variables, wizardNames: extra.wizardNames ?? [], ...extra });

const RUN_AS = ['_SMSTSRunCommandLineAsUser=RunAsUser := false', 'SMSTSRunCommandLineUserName=UserName', 'SMSTSRunCommandLineUserPassword=UserPassword'];

const MDT = (className: string, name: string, displayName: string, script: string, variables: string[]): StepType =>
  T(className, name, displayName, 'WinPEandFullOS', `cscript.exe "%SCRIPTROOT%\\${script}"`, vars(...variables), { mdt: true });

export const STEP_TYPES: readonly StepType[] = [
  T('SMS_TaskSequence_RunCommandLineAction', 'RunCommandLine', 'Run Command Line', 'WinPEandFullOS', 'smsswd.exe /run: <cmd>',
    vars('CommandLine*', 'SMSTSDisableWow64Redirection=DisableWow64Redirection := false', 'SMSTSRunCommandLineOutputVariableName=OutputVariableName',
      'PackageID*', ...RUN_AS, 'SuccessCodes* := 0 3010', 'WorkingDirectory')),
  T('SMS_TaskSequence_RunPowerShellScriptAction', 'RunPowerShellScript', 'Run PowerShell Script', 'WinPEandFullOS', 'OSDRunPowerShellScript.exe',
    vars('OSDRunPowerShellScriptExecutionPolicy=ExecutionPolicy := AllSigned', 'OSDRunPowerShellScriptOutputVariableName=OutputVariableName',
      'OSDRunPowerShellScriptPackageID=PackageID', 'OSDRunPowerShellScriptScriptName=ScriptName', 'OSDRunPowerShellScriptSourceScript=SourceScript',
      'OSDRunPowerShellScriptParameters=Parameters', 'OSDRunPowerShellScriptSuccessCodes=SuccessCodes* := 0', '_SMSTSRunPowerShellAsUser=RunAsUser := false',
      'SMSTSRunPowerShellUserName=UserName', 'SMSTSRunPowerShellUserPassword=UserPassword', 'SMSTSRunPowerShellWorkingDirectory=WorkingDirectory')),
  T('SMS_TaskSequence_SetVariableAction', 'SetTaskSequenceVariable', 'Set Task Sequence Variable', 'WinPEandFullOS', 'tsenv.exe "<name>=<value>"',
    vars('VariableName*', 'VariableValue*', 'DoNotShowVariableValue* := false'), { wizardNames: ['Set Local State Location'] }),
  T('SMS_TaskSequence_SetDynamicVariablesAction', 'SetDynamicVariables', 'Set Dynamic Variables', 'WinPEandFullOS', 'OSDSetDynamicVariables.exe',
    vars('OSDSetDynamicVariablesRules=Rules')),
  T('SMS_TaskSequence_RebootAction', 'RestartComputer', 'Restart Computer', 'WinPEandFullOS', 'smsboot.exe /target:<target>',
    vars('SMSRebootMessage=Message', 'SMSRebootTimeout=MessageTimeout := 0', 'SMSRebootTarget=Target* := HD'),
    { wizardNames: ['Restart in Windows PE', 'Reboot to Windows PE or hard disk'] }),
  T('SMS_TaskSequence_PrestartCheckAction', 'CheckReadiness', 'Check Readiness', 'WinPEandFullOS', 'OSDPrestartCheck.exe ',
    vars('OSDCheckMemory', 'OSDMemory', 'OSDCheckProcessorSpeed', 'OSDProcessorSpeed', 'OSDCheckFreeDiskSpace', 'OSDFreeDiskSpace', 'OSDCheckOSType',
      'OSDOSType', 'OSDCheckMinOSVersion', 'OSDMinOSVersion', 'OSDCheckMaxOsVersion', 'OSDMaxOSVersion', 'OSDCheckCMClientMinVersion',
      'OSDCMClientMinVersion', 'OSDCheckOSLanguageID', 'OSDOSLanguageID', 'OSDCheckPowerState', 'OSDCheckNetworkConnected', 'OSDCheckNetworkWired',
      'OSDCheckOSArchitecture', 'OSDOSArchitecture', 'OSDCheckDeviceUEFI')),
  T('SMS_TaskSequence_PartitionDiskAction', 'FormatAndPartitionDisk', 'Format and Partition Disk', 'WinPE', 'osddiskpart.exe',
    vars('OSDDiskIndex=DiskIndex := 0', 'OSDDiskType=DiskType := BASIC', 'OSDPartitionStyle=PartitionStyle := MBR', 'OSDGPTBootDisk=GPTBootDisk := false',
      'OSDDiskpartBiosCompatibilityMode=DiskpartBiosCompatibilityMode := false', 'OSDPartitions=Partitions*', ...partitionVariables()),
    { wizardNames: ['Partition Disk 0'] }),
  T('SMS_TaskSequence_ConvertDiskAction', 'ConvertDiskToDynamic', 'Convert Disk to Dynamic', 'WinPEandFullOS', 'osddiskpart.exe convert %OSDConvertDiskIndex%',
    vars('OSDConvertDiskIndex=DiskIndex := 0')),
  T('SMS_TaskSequence_ApplyOperatingSystemAction', 'ApplyOperatingSystemImage', 'Apply Operating System Image', 'WinPE',
    'OSDApplyOS.exe /image:<PKG>,%OSDImageIndex% /runfromnet:False',
    vars('OSDImageIndex=ImageIndex := 1', 'ImagePackageID*', 'RunFromNet* := false', 'OSDConfigFileName=ConfigFileName', 'ConfigFilePackage*',
      'OSDInstallEditionIndex=InstallEditionIndex := 0', 'InstallPackageID*', 'DestinationDisk', 'DestinationPartition', 'DestinationLogicalDrive',
      'DestinationVariable'), { wizardNames: ['Apply Operating System', 'Apply Operating System Image'] }),
  T('SMS_TaskSequence_ApplyDataImageAction', 'ApplyDataImage', 'Apply Data Image', 'WinPE', 'OSDApplyOS.exe /data:<PKG>,%OSDDataImageIndex%',
    vars('OSDDataImageIndex=ImageIndex := 1', 'ImagePackageID*', 'OSDWipeDestinationPartition=WipeDestinationPartition := true', 'DestinationDisk',
      'DestinationPartition', 'DestinationLogicalDrive', 'DestinationVariable')),
  T('SMS_TaskSequence_ApplyWindowsSettingsAction', 'ApplyWindowsSettings', 'Apply Windows Settings', 'WinPE', 'osdwinsettings.exe /config',
    vars('OSDComputerName=ComputerName := %_SMSTSMachineName%', 'OSDLocalAdminPassword=AdminPassword', 'OSDRandomAdminPassword=RandomAdminPassword := true',
      'OSDProductKey=ProductKey', 'OSDRegisteredOrgName=RegisteredOrgName', 'OSDRegisteredUserName=RegisteredUserName',
      'OSDServerLicenseConnectionLimit=ServerLicenseConnectionLimit', 'OSDServerLicenseMode=ServerLicenseMode', 'OSDTimeZone=TimeZone',
      'OSDWindowsSettingsInputLocale=InputLocale', 'OSDWindowsSettingsSystemLocale=SystemLocale', 'OSDWindowsSettingsUILanguage=UILanguage',
      'OSDWindowsSettingsUILanguageFallback=UILanguageFallback', 'OSDWindowsSettingsUserLocale=UserLocale')),
  T('SMS_TaskSequence_ApplyNetworkSettingsAction', 'ApplyNetworkSettings', 'Apply Network Settings', 'WinPE', 'osdnetsettings.exe configure',
    vars('OSDNetworkJoinType=NetworkJoinType := 1', 'OSDDomainName=DomainName', 'OSDDomainOUName=DomainOUName', 'OSDJoinAccount=DomainUsername',
      'OSDJoinPassword=DomainPassword', 'OSDWorkgroupName=WorkgroupName', 'OSDEnableTCPIPFiltering=EnableTCPIPFiltering* := false',
      'OSDAdapterCount=NumAdapters* := 0', 'OSDDNSDomain=DNSDomain', 'OSDSuffixSearchOrder=SuffixSearchOrder')),
  T('SMS_TaskSequence_SetupWindowsAndSMSAction', 'SetupWindowsAndConfigMgr', 'Setup Windows and ConfigMgr', 'WinPEandFullOS', 'OSDSetupWindows.exe',
    vars('SMSClientInstallProperties=ClientInstallProperties', '_SMSClientPackageID=ClientPackageID'),
    { wizardNames: ['Setup Windows and Configuration Manager'] }),
  T('SMS_TaskSequence_AutoApplyAction', 'AutoApplyDrivers', 'Auto Apply Drivers', 'WinPE',
    'osddriverclient.exe /auto /bestmatch:%OSDAutoApplyDriverBestMatch% /unsigned:%OSDAllowUnsignedDriver%',
    vars('OSDAutoApplyDriverBestMatch=BestMatch := true', 'OSDAllowUnsignedDriver=UnsignedDriver := false', 'OSDAutoApplyDriverCategoryList=DriverCategoryList'),
    { wizardNames: ['Apply Device Drivers'] }),
  T('SMS_TaskSequence_ApplyDriverPackageAction', 'ApplyDriverPackage', 'Apply Driver Package', 'WinPE',
    'osddriverclient.exe /install:<PKG>  /unsigned:%OSDAllowUnsignedDriver% /recurse:%OSDRecurse%',
    vars('OSDApplyDriverDriverPackageID=DriverPackageID*', 'OSDRecurse=Recurse := false', 'OSDAllowUnsignedDriver=UnsignedDriver := false',
      'OSDApplyDriverBootCriticalContentUniqueID=BootCriticalContentUniqueID', 'OSDApplyDriverBootCriticalINFFile=BootCriticalINFFile',
      'OSDApplyDriverBootCriticalHardwareComponent=BootCriticalHardwareComponent', 'OSDApplyDriverBootCriticalID=BootCriticalID')),
  T('SMS_TaskSequence_JoinDomainWorkgroupAction', 'JoinDomainOrWorkgroup', 'Join Domain or Workgroup', 'FullOS', 'osdjoin.exe /type:%OSDJoinType%',
    vars('OSDJoinType=JoinType := 1', 'OSDJoinDomainName=DomainName', 'OSDJoinDomainOUName=DomainOUName', 'OSDJoinAccount=DomainUsername',
      'OSDJoinPassword=DomainPassword', 'OSDJoinWorkgroupName=WorkgroupName', 'OSDJoinSkipReboot=SkipReboot := false'),
    { wizardNames: ['Join Workgroup'] }),
  T('SMS_TaskSequence_ConnectNetworkFolderAction', 'ConnectToNetworkFolder', 'Connect to Network Folder', 'WinPEandFullOS',
    'smsnetuse.exe %SMSConnectNetworkFolderPath%',
    vars('SMSConnectNetworkFolderPath=Path', 'SMSConnectNetworkFolderDriveLetter=DriveLetter', 'SMSConnectNetworkFolderAccount=Username',
      'SMSConnectNetworkFolderPassword=Password')),
  T('SMS_TaskSequence_InstallApplicationAction', 'InstallApplication', 'Install Application', 'FullOS',
    'smsappinstall.exe /app:<list> /basevar:<var> /continueOnError:False',
    vars('ApplicationName*', 'BaseVariableName*', 'ContinueOnInstallError* := false', 'RetryCount* := 2', 'OSDAppClearCache=ClearCache := false'),
    { retryCount: 2 }),
  T('SMS_TaskSequence_InstallSoftwareAction', 'InstallSoftware', 'Install Package', 'FullOS',
    'smsswd.exe /pkg:<PKG> /install /basevar:<var> /continueOnError:False',
    vars('PackageID*', 'ProgramName*', 'BaseVariableName*', 'ContinueOnInstallError* := false'), { wizardNames: ['Install Software'] }),
  T('SMS_TaskSequence_InstallUpdateAction', 'InstallSoftwareUpdates', 'Install Software Updates', 'FullOS',
    'TSInstallSWUpdate.exe /target:%SMSInstallUpdateTarget%',
    vars('SMSInstallUpdateTarget=Target := Mandatory', 'SMSTSSoftwareUpdateScanUseCache=UseCache := false', 'RetryCount*'),
    { wizardNames: ['Install Updates'] }),
  T('SMS_TaskSequence_DownloadPackageContentAction', 'DownloadPackageContent', 'Download Package Content', 'WinPEandFullOS', 'OsdDownloadContent.exe ',
    vars('OSDDownloadDownloadPackages=DownloadPackages', 'OSDDownloadDestinationLocationType=DestinationLocationType := TSCache',
      'OSDDownloadDestinationPath=DestinationPath', 'OSDDownloadDestinationVariable=DestinationVariable',
      'OSDDownloadContinueDownloadOnError=ContinueDownloadOnError := false', 'OSDPackageCount=NumPackages')),
  T('SMS_TaskSequence_EnableBitLockerAction', 'EnableBitLocker', 'Enable BitLocker', 'FullOS', 'OSDBitLocker.exe /enable  /wait:False /mode:TPM /pwd:AD /full:False',
    vars('OSDBitLockerMode*', 'OSDBitLockerCreateRecoveryPassword*', 'OSDBitLockerWaitForEncryption*', 'OSDBitLockerEncryptFullDisk*',
      'OSDBitLockerEncryptMethod*', 'OSDBitLockerSkipWhenNoValidTPM*', 'OSDBitLockerRecoveryPassword', 'OSDBitLockerStartupKey')),
  T('SMS_TaskSequence_DisableBitLockerAction', 'DisableBitLocker', 'Disable BitLocker', 'FullOS', 'OSDBitLocker.exe /disable ',
    vars('OSDBitLockerRebootCount')),
  T('SMS_TaskSequence_OfflineEnableBitLockerAction', 'PreProvisionBitLocker', 'Pre-provision BitLocker', 'WinPE',
    'OSDOfflineBitlocker.exe /enable  /ignoretpm:True /full:False', vars('OSDBitLockerEncryptFullDisk*', 'OSDBitLockerSkipWhenTPMInvalid*')),
  T('SMS_TaskSequence_RequestStateStoreAction', 'RequestStateStore', 'Request State Store', 'WinPEandFullOS', 'osdsmpclient.exe /capture',
    vars('OSDStateRequestType=RequestType* := Capture', 'OSDStateFallbackToNAA=FallbackToNAA := false', 'OSDStateSMPRetryCount=SMPRetryCount* := 3',
      'OSDStateSMPRetryTime=SMPRetryTime* := 60'), { wizardNames: ['Request User State Storage'] }),
  T('SMS_TaskSequence_CaptureUserStateAction', 'CaptureUserState', 'Capture User State', 'WinPEandFullOS',
    'osdmigrateuserstate.exe /collect /continueOnError:%OSDMigrateContinueOnLockedFiles% /skipefs:%OSDMigrateSkipEncryptedFiles%',
    vars('_OSDMigrateUsmtPackageID=UsmtPackageID', 'OSDMigrateMode=MigrateMode := Simple', 'OSDMigrateConfigFiles=ConfigFiles',
      'OSDMigrateContinueOnLockedFiles=ContinueOnLockedFiles := true', 'OSDMigrateEnableVerboseLogging=EnableVerboseLogging := false',
      'OSDMigrateFileAccess=FileAccess', 'OSDMigrateSkipEncryptedFiles=SkipEncryptedFiles := false', '_OSDMigrateOfflineUserState=OfflineUserState',
      '_OSDMigrateUseHardlinks=UseHardlinks := false'), { wizardNames: ['Capture User Files and Settings'] }),
  T('SMS_TaskSequence_RestoreUserStateAction', 'RestoreUserState', 'Restore User State', 'FullOS',
    'osdmigrateuserstate.exe /apply /continueOnError:%OSDMigrateContinueOnRestore%',
    vars('_OSDMigrateUsmtRestorePackageID=UsmtPackageID', 'OSDMigrateMode=MigrateMode := Simple', 'OSDMigrateContinueOnRestore=ContinueOnRestore := true',
      'OSDMigrateLocalAccounts=LocalAccounts := false', 'OSDMigrateLocalAccountPassword=LocalAccountPassword',
      'OSDMigrateEnableVerboseLogging=EnableVerboseLogging := false'), { wizardNames: ['Restore User Files and Settings'] }),
  T('SMS_TaskSequence_ReleaseStateStoreAction', 'ReleaseStateStore', 'Release State Store', 'WinPEandFullOS', 'osdsmpclient.exe /release', [],
    { wizardNames: ['Release User State Storage'] }),
  T('SMS_TaskSequence_CaptureNetworkSettingsAction', 'CaptureNetworkSettings', 'Capture Network Settings', 'FullOS',
    'osdnetsettings.exe capture netmembership:%OSDMigrateNetworkMembership% adapters:%OSDMigrateAdapterSettings%',
    vars('OSDMigrateAdapterSettings=MigrateAdapterSettings := true', 'OSDMigrateNetworkMembership=MigrateNetworkMembership := true')),
  T('SMS_TaskSequence_CaptureWindowsSettingsAction', 'CaptureWindowsSettings', 'Capture Windows Settings', 'WinPEandFullOS',
    'osdwinsettings.exe /capture /name:%OSDMigrateComputerName% /reginfo:%OSDMigrateRegistrationInfo% /timezone:%OSDMigrateTimeZone%',
    vars('OSDMigrateComputerName=MigrateComputerName := true', 'OSDMigrateRegistrationInfo=MigrateRegistrationInfo := true',
      'OSDMigrateTimeZone=MigrateTimeZone := true')),
  T('SMS_TaskSequence_InstallDeployToolsAction', 'InstallDeploymentTools', 'Install Deployment Tools', 'FullOS', 'osdprepareos.exe /install:<PKG>',
    vars('SysprepPackageID*')),
  T('SMS_TaskSequence_PrepareSMSClientAction', 'PrepareConfigMgrClientForCapture', 'Prepare ConfigMgr Client for Capture', 'FullOS',
    'osdpreparesmsclient.exe', vars('OSDTargetSystemRoot'), { wizardNames: ['Prepare ConfigMgr Client'] }),
  T('SMS_TaskSequence_PrepareOSAction', 'PrepareWindowsForCapture', 'Prepare Windows for Capture', 'FullOS',
    'osdprepareos.exe /activate:%OSDKeepActivation% /bmsd:%OSDBuildStorageDriverList% /shutdown:%OSDShutdownPreparedOs%',
    vars('OSDKeepActivation=KeepActivation := false', 'OSDBuildStorageDriverList=BuildStorageDriverList := false',
      'OSDShutdownPreparedOs=ShutdownPreparedOs := false'), { wizardNames: ['Prepare Operating System'] }),
  T('SMS_TaskSequence_CaptureSystemImageAction', 'CaptureOperatingSystemImage', 'Capture Operating System Image', 'WinPE', 'osdcapturesystemimage.exe',
    vars('OSDCaptureDestination=CaptureDestination', 'OSDCaptureAccount=CaptureUsername', 'OSDCaptureAccountPassword=CapturePassword',
      'OSDImageCreator=ImageCreator', 'OSDImageDescription=ImageDescription', 'OSDImageVersion=ImageVersion'),
    { wizardNames: ['Capture the Reference Machine'] }),
  T('SMS_TaskSequence_UpgradeOperatingSystemAction', 'UpgradeOperatingSystem', 'Upgrade Operating System', 'FullOS', 'OSDUpgradeOS.exe ',
    vars('OSDUpgradeInstallPackageID=InstallPackageID', 'OSDUpgradeInstallEditionIndex=InstallEditionIndex', 'OSDUpgradeInstallPath=InstallPath',
      'OSDUpgradePreserveSettings=PreserveSettings', 'OSDUpgradeScanOnly=ScanOnly', 'OSDUpgradeDynamicUpdateSettings=DynamicUpdateSettings',
      'OSDUpgradeIgnoreMessages=IgnoreMessages', 'OSDUpgradeOsProductKey=OsProductKey', 'OSDUpgradeStagedContent=StagedContent')),
  T('SMS_TaskSequence_SubTasksequence', 'RunTaskSequence', 'Run Task Sequence', 'WinPEandFullOS', 'SubTasksequence.exe',
    vars('OSDSubTasksequenceTsName=TsName', 'OSDSubTasksequencePackageID=TsPackageID', 'OSDSubTasksequenceTsReferenceApplications=TsReferenceApplications',
      'OSDSubTasksequenceTsReferencePackages=TsReferencePackages'), { element: 'subtasksequence' }),
  MDT('BDD_UsePackage', 'UseToolkitPackage', 'Use Toolkit Package', 'ZTISCCM.wsf', ['BDDPackageID']),
  MDT('BDD_Gather', 'Gather', 'Gather', 'ZTIGather.wsf', ['GatherLocalOnly := true', 'RulesFile', 'PackageID*']),
  MDT('BDD_Validate', 'Validate', 'Validate', 'ZTIValidate.wsf', ['ImageSize', 'ImageProcessorSpeed', 'ImageMemory', 'VerifyOS']),
  MDT('BDD_InstallOS', 'InstallOperatingSystem', 'Install Operating System', 'LTIApply.wsf',
    ['OSGUID', 'DestinationDisk', 'DestinationPartition', 'DestinationOSVariable', 'DestinationOSInstallType']),
  MDT('BDD_InjectDrivers', 'InjectDrivers', 'Inject Drivers', 'ZTIDrivers.wsf', ['DriverSelectionProfile', 'DriverInjectionMode']),
  MDT('BDD_InstallApplication', 'InstallMdtApplication', 'Install Application (MDT)', 'ZTIApplications.wsf', ['ApplicationGUID', 'ApplicationSuccessCodes']),
  MDT('BDD_InstallUpdatesOffline', 'InstallUpdatesOffline', 'Install Updates Offline', 'ZTIPatches.wsf', []),
  MDT('BDD_RecoverDomainJoin', 'RecoverFromDomain', 'Recover From Domain', 'ZTIDomainJoin.wsf', ['DomainErrorRecovery']),
  MDT('BDD_RunPowerShellAction', 'RunMdtPowerShellScript', 'Run PowerShell Script (MDT)', 'ZTIPowerShell.wsf', ['ScriptName', 'Parameters']),
  MDT('BDD_InstallRoles', 'InstallRolesAndFeatures', 'Install Roles and Features', 'ZTIOSRole.wsf', []),
  MDT('BDD_UninstallRoles', 'UninstallRolesAndFeatures', 'Uninstall Roles and Features', 'ZTIOSRole.wsf /uninstall', []),
  MDT('BDD_ConfigureADDS', 'ConfigureADDS', 'Configure ADDS', 'ZTIConfigureADDS.wsf', []),
  MDT('BDD_ConfigureDNS', 'ConfigureDNS', 'Configure DNS', 'ZTIConfigureDNS.wsf', []),
  MDT('BDD_ConfigureDHCP', 'ConfigureDHCP', 'Configure DHCP', 'ZTIConfigureDHCP.wsf', []),
  MDT('BDD_InstallLanguagePacksOffline', 'InstallLanguagePacksOffline', 'Install Language Packs Offline', 'ZTIPatches.wsf', []),
  MDT('BDD_InstallLanguagePacksOnline', 'InstallLanguagePacksOnline', 'Install Language Packs Online', 'ZTILangPacksOnline.wsf', []),
  MDT('BDD_ExecuteRunbook', 'ExecuteRunbook', 'Execute Runbook', 'ZTIExecuteRunbook.wsf', []),
];

const fold = (s: string) => s.trim().toLowerCase();

/** The catalogue entry for a `type` value, case-insensitively; undefined for vendor/custom classes. */
export function stepTypeByClass(type: string): StepType | undefined {
  const key = fold(type);
  return STEP_TYPES.find((t) => fold(t.className) === key);
}

/** Looks up a short name (RunCommandLine), an editor name (Run Command Line), a wizard name (Partition Disk 0) or a class name. */
export function stepTypeByName(name: string): StepType | undefined {
  const key = fold(name);
  return (
    STEP_TYPES.find((t) => fold(t.name) === key || fold(t.displayName) === key) ??
    STEP_TYPES.find((t) => t.wizardNames.some((w) => fold(w) === key)) ??
    stepTypeByClass(name)
  );
}

/** The catalogue variable a step variable name refers to (OSDPartitions<n>* matched by pattern). */
export function stepTypeVariable(type: StepType, name: string): StepTypeVariable | undefined {
  const key = fold(name);
  const exact = type.variables.find((v) => fold(v.name) === key);
  if (exact) return exact;
  const m = /^osdpartitions(\d+)(\w+)$/.exec(key);
  return m ? type.variables.find((v) => fold(v.name) === `osdpartitions0${m[2]}`) : undefined;
}
