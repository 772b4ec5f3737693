// Maps a requested TFTP file name to a file under the boot-file root (RemoteInstall), refusing
// anything that could leave it: "..", absolute paths, drive letters, percent-encoding (TFTP names
// are never decoded, so an encoded name is an attack or a mistake) and symlinks pointing outside.
// Windows boot managers ask with backslashes and a leading "\" (\SMSBoot\x64\…): both mean the root.
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { TftpError, TftpErrorCode } from './packets.js';

const refuse = (why: string) => new TftpError(TftpErrorCode.accessViolation, `Access violation: ${why}`);

export async function resolveBootFile(root: string, requested: string): Promise<string> {
  if (requested.length === 0) throw refuse('empty file name');
  if (/[\0\r\n]/.test(requested)) throw refuse('control character in the file name');
  if (/%[0-9a-f]{2}/i.test(requested)) throw refuse('percent-encoded file name');
  if (requested.startsWith('/')) throw refuse('absolute path');
  if (/^[a-z]:/i.test(requested) || requested.startsWith('\\\\')) throw refuse('drive or UNC path');
  const parts = requested.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw refuse('".." in the path');
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(join(realRoot, ...parts));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new TftpError(TftpErrorCode.fileNotFound, 'File not found');
    throw e;
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw refuse('the path leads outside the boot-file root');
  if (!(await stat(real)).isFile()) throw new TftpError(TftpErrorCode.fileNotFound, 'File not found (not a file)');
  return real;
}
