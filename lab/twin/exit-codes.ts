// Return codes the twin's operations give, as the field's smsts.log shows them (HRESULTs as
// unsigned 32-bit numbers). The behaviour each one stands for is in osd-behaviours.md; the
// numeric values are the Win32/ConfigMgr codes those failures carry (docs/twin.md "Exit codes").

export const EXIT = {
  success: 0,
  /** Reboot requested by a program (osd-behaviours §1.5, §14). */
  rebootRequired: 3010,
  /** E_FAIL: generic failure (network-dependent step on stand-alone media, cache wiped by repartitioning). */
  generalFailure: 0x80004005,
  /** ERROR_DISK_FULL: the cache or target volume is too small (§4.3). */
  diskFull: 0x80070070,
  /** Content location request failed: package on no usable distribution point (§4.2 optional deployment). */
  contentNotFound: 0x80040102,
  /** ERROR_TIMEOUT: nobody typed the PXE or media password on an unattended run (§5.1, §6.3). */
  timeout: 0x800705b4,
  /** ERROR_BAD_EXE_FORMAT: x64 content on x86 hardware, media of the wrong architecture (§6.2). */
  badArchitecture: 0x800700c1,
  /** ERROR_NOT_SUPPORTED: unsupported disk layout for capture/apply (§9, §2.18). */
  notSupported: 0x80070032,
  /** ERROR_INVALID_PARAMETER: osddiskpart rejects the partition layout (§2.17). */
  invalidParameter: 0x80070057,
  /** ERROR_PATH_NOT_FOUND: the target volume or local data path does not exist. */
  pathNotFound: 0x80070003,
  /** State store request refused after its retries (§7.3). */
  stateStoreUnavailable: 0x80004005,
} as const;
