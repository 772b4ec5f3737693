// The console's "Export" package (.zip, an OPC package, ts-formats §b.1): one
// SMS_TaskSequencePackage/<PackageID>/object.xml per exported task sequence.
import { unzipSync } from 'fflate';
import { InputError } from '../../scenarios/index.js';

const OBJECT_XML = /^SMS_TaskSequencePackage\/([^/]+)\/object\.xml$/i;
/** Largest object.xml we inflate: real ones are under 1 MB; a garbled header must not make us allocate gigabytes. */
const MAX_ENTRY_BYTES = 32 * 1024 * 1024;

export interface ExportedObject {
  packageId: string;
  entry: string;
  text: string;
}

export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

/** Every task sequence object.xml in the export, in archive order. */
export function objectsInExport(bytes: Uint8Array, file: string): ExportedObject[] {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => OBJECT_XML.test(f.name) && f.originalSize <= MAX_ENTRY_BYTES });
  } catch (err) {
    throw new InputError({ file, message: `not a readable ConfigMgr export (.zip): ${(err as Error).message}` });
  }
  const found = Object.entries(entries).map(([entry, data]) => ({ packageId: OBJECT_XML.exec(entry)![1], entry, text: decodeText(data) }));
  if (found.length === 0) {
    throw new InputError({ file, message: 'the .zip holds no SMS_TaskSequencePackage/<PackageID>/object.xml; is it a task sequence export from the ConfigMgr console?' });
  }
  return found;
}
