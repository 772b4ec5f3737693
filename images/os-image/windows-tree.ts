// The files of one index of the OS image: a Windows-like tree whose names, placement and
// markers are what deployment steps look at (Windows\System32\config hives, the boot files
// bcdboot copies, INF folder, default profile), filled with deterministic bytes so that the
// same spec always gives the same content.
import { createCipheriv, createHash } from 'node:crypto';
import type { OsImageEdition, OsImageSpec } from './spec.js';

export type TreeEntry = { path: string; directory: true } | { path: string; directory?: false; content: Buffer };

/** Relative weights of the filler spread over System32 (ntoskrnl biggest, as in the field). */
const SYSTEM_BINARIES: Record<string, number> = {
  'Windows/System32/ntoskrnl.exe': 12,
  'Windows/System32/hal.dll': 1,
  'Windows/System32/ntdll.dll': 2,
  'Windows/System32/kernel32.dll': 1,
  'Windows/System32/KernelBase.dll': 4,
  'Windows/System32/user32.dll': 2,
  'Windows/System32/advapi32.dll': 1,
  'Windows/System32/shell32.dll': 8,
  'Windows/System32/winload.exe': 2,
  'Windows/System32/winload.efi': 2,
  'Windows/System32/winresume.efi': 1,
  'Windows/System32/smss.exe': 1,
  'Windows/System32/csrss.exe': 1,
  'Windows/System32/wininit.exe': 1,
  'Windows/System32/winlogon.exe': 1,
  'Windows/System32/services.exe': 1,
  'Windows/System32/lsass.exe': 1,
  'Windows/System32/cmd.exe': 1,
  'Windows/System32/bcdboot.exe': 1,
  'Windows/System32/drivers/ntfs.sys': 3,
  'Windows/System32/drivers/disk.sys': 1,
  'Windows/System32/drivers/storahci.sys': 1,
  'Windows/System32/drivers/stornvme.sys': 1,
  'Windows/System32/drivers/e1i68x64.sys': 1,
  'Windows/System32/drivers/netkvm.sys': 1,
  'Windows/System32/drivers/viostor.sys': 1,
  'Windows/Boot/EFI/bootmgfw.efi': 2,
  'Windows/Boot/EFI/bootmgr.efi': 2,
  'Windows/Boot/PCAT/bootmgr': 1,
  'Windows/explorer.exe': 4,
  'Program Files/Windows Defender/MsMpEng.exe': 2,
};

const WOW64_BINARIES: Record<string, number> = {
  'Windows/SysWOW64/ntdll.dll': 2,
  'Windows/SysWOW64/kernel32.dll': 1,
  'Windows/SysWOW64/KernelBase.dll': 3,
  'Windows/SysWOW64/user32.dll': 1,
};

const EMPTY_DIRS = [
  'Windows/Panther',
  'Windows/Temp',
  'Windows/Logs',
  'Users/Default/Desktop',
  'Users/Default/Documents',
  'Users/Default/AppData/Local/Temp',
  'Users/Public/Desktop',
  'Program Files/Common Files',
  'ProgramData/Microsoft/Windows/Start Menu',
];

const INF_FILES: Record<string, string> = {
  'Windows/INF/machine.inf': '[Version]\r\nSignature="$Windows NT$"\r\nClass=System\r\nClassGuid={4d36e97d-e325-11ce-bfc1-08002be10318}\r\n',
  'Windows/INF/netrtl64.inf': '[Version]\r\nSignature="$Windows NT$"\r\nClass=Net\r\nClassGuid={4d36e972-e325-11ce-bfc1-08002be10318}\r\n',
  'Windows/INF/usbport.inf': '[Version]\r\nSignature="$Windows NT$"\r\nClass=USB\r\nClassGuid={36fc9e60-c465-11cf-8056-444553540000}\r\n',
};

/** Where the OS version marker lives; lab/qemu's full-OS agent reads it to answer Win32_OperatingSystem. */
export const OS_VERSION_MARKER = 'Windows/System32/osdlab-os.json';

/** The caption Win32_OperatingSystem reports for an edition ("Microsoft Windows 11 Enterprise"). */
export function osCaption(spec: OsImageSpec, edition: OsImageEdition): string {
  return `Microsoft ${spec.product} ${edition.edition}`;
}

/**
 * Deterministic filler of `size` bytes keyed by `path`: half of each 4 KiB block is
 * pseudo-random (AES-CTR keystream), half a repeated pattern, so it compresses about as
 * much as real binaries do (≈50%).
 */
function filler(path: string, size: number): Buffer {
  const key = createHash('sha256').update(`osdlab-filler:${path}`).digest();
  const random = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32)).update(Buffer.alloc(Math.ceil(size / 2)));
  const out = Buffer.alloc(size);
  const pattern = Buffer.from(`${path}\0`);
  for (let off = 0, r = 0; off < size; off += 4096) {
    const half = Math.min(2048, size - off);
    random.copy(out, off, r, r + half);
    r += half;
    for (let i = off + half; i < Math.min(off + 4096, size); i++) out[i] = pattern[(i - off) % pattern.length];
  }
  return out;
}

/** A registry-hive placeholder: "regf" magic, then the values deployment steps read, as text. */
function hive(name: string, values: Record<string, string>): Buffer {
  const body = Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('\r\n');
  return Buffer.concat([Buffer.from('regf'), Buffer.alloc(4092), Buffer.from(`; osdlab placeholder for the ${name} hive\r\n${body}\r\n`)]);
}

function binaries(spec: OsImageSpec): Array<[string, number]> {
  const weights = { ...SYSTEM_BINARIES, ...(spec.architecture === 'x64' ? WOW64_BINARIES : {}) };
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  // Sizes in whole 512-byte sectors, at least one: a PE file is never empty.
  return Object.entries(weights).map(([path, w]) => [path, Math.max(512, Math.floor((spec.systemBytes * w) / total / 512) * 512)]);
}

/** Every entry of index `edition`, sorted by path, parents before children. */
export function windowsTree(spec: OsImageSpec, edition: OsImageEdition): TreeEntry[] {
  const [major, minor, build, revision] = spec.version.split('.');
  const caption = osCaption(spec, edition);
  const files: Record<string, Buffer> = {};
  for (const [path, size] of binaries(spec)) files[path] = filler(path, size);
  for (const [path, text] of Object.entries(INF_FILES)) files[path] = Buffer.from(text);
  files['Windows/System32/config/SYSTEM'] = hive('SYSTEM', { 'ControlSet001\\Control\\ProductOptions\\ProductType': 'WinNT' });
  files['Windows/System32/config/SOFTWARE'] = hive('SOFTWARE', {
    'Microsoft\\Windows NT\\CurrentVersion\\ProductName': `${spec.product} ${edition.edition}`,
    'Microsoft\\Windows NT\\CurrentVersion\\EditionID': edition.edition,
    'Microsoft\\Windows NT\\CurrentVersion\\CurrentMajorVersionNumber': major,
    'Microsoft\\Windows NT\\CurrentVersion\\CurrentMinorVersionNumber': minor,
    'Microsoft\\Windows NT\\CurrentVersion\\CurrentBuild': build,
    'Microsoft\\Windows NT\\CurrentVersion\\UBR': revision,
  });
  files['Windows/System32/config/SAM'] = hive('SAM', {});
  files['Windows/System32/config/SECURITY'] = hive('SECURITY', {});
  files['Windows/System32/config/DEFAULT'] = hive('DEFAULT', {});
  files['Users/Default/NTUSER.DAT'] = hive('NTUSER.DAT', {});
  files['Windows/System32/drivers/etc/hosts'] = Buffer.from('# Copyright (c) 1993-2009 Microsoft Corp.\r\n127.0.0.1       localhost\r\n');
  files[`Windows/System32/spp/tokens/skus/${edition.edition}/${edition.edition}-ul.xrm-ms`] = Buffer.from(`<rg:licenseGroup edition="${edition.edition}"/>\r\n`);
  files[OS_VERSION_MARKER] = Buffer.from(
    `${JSON.stringify({ caption, version: `${major}.${minor}.${build}`, revision: Number(revision), edition: edition.edition, architecture: spec.architecture, language: spec.language }, null, 2)}\n`,
  );

  const dirs = new Set<string>(EMPTY_DIRS);
  if (spec.architecture === 'x64') dirs.add('Program Files (x86)/Common Files');
  for (const path of [...Object.keys(files), ...dirs]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries: TreeEntry[] = [...[...dirs].map((path): TreeEntry => ({ path, directory: true })), ...Object.entries(files).map(([path, content]): TreeEntry => ({ path, content }))];
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
