// Firmware images from Debian's seabios, ovmf and ovmf-ia32 packages (docs/qemu-lab.md).
import type { Architecture, Firmware } from '../../harness/index.js';

export const FIRMWARE_FILES = {
  seabios: '/usr/share/seabios/bios-256k.bin',
  ovmfCode: '/usr/share/OVMF/OVMF_CODE_4M.fd',
  ovmfVars: '/usr/share/OVMF/OVMF_VARS_4M.fd',
  /** Debian ships OVMF for IA32 only as a Secure Boot build: it needs q35 with SMM and a secure pflash. */
  ovmfIa32Code: '/usr/share/OVMF/OVMF32_CODE_4M.secboot.fd',
  ovmfIa32Vars: '/usr/share/OVMF/OVMF32_VARS_4M.fd',
} as const;

/** What the firmware of one machine needs: a BIOS image, or UEFI code plus a template for the per-machine variable store. */
export type FirmwareImages =
  | { kind: 'bios'; bios: string }
  | { kind: 'uefi'; code: string; varsTemplate: string; secureSmm: boolean };

export function firmwareImages(firmware: Firmware, architecture: Architecture): FirmwareImages {
  if (firmware === 'bios') return { kind: 'bios', bios: FIRMWARE_FILES.seabios };
  return architecture === 'x64'
    ? { kind: 'uefi', code: FIRMWARE_FILES.ovmfCode, varsTemplate: FIRMWARE_FILES.ovmfVars, secureSmm: false }
    : { kind: 'uefi', code: FIRMWARE_FILES.ovmfIa32Code, varsTemplate: FIRMWARE_FILES.ovmfIa32Vars, secureSmm: true };
}
