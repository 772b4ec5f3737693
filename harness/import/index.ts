// Task-sequence importers: ConfigMgr export .zip, object.xml, bare <sequence> XML, MDT ts.xml and
// osdlab YAML, told apart by content (not by extension). Every user mistake is an InputError.
import { readFile } from 'node:fs/promises';
import { InputError, parseYaml } from '../../scenarios/index.js';
import type { TaskSequence } from '../model.js';
import { sequenceFromObjectXml } from './object-xml.js';
import { sequenceFromXml } from './sequence-xml.js';
import { taskSequenceFromYaml, type YamlImportOptions } from './yaml.js';
import { parseXml } from './xml-tree.js';
import { decodeText, objectsInExport } from './zip.js';

export type { YamlImportOptions } from './yaml.js';

export interface ImportOptions {
  /** Which task sequence of a multi-sequence export to take (its package ID); required when there are several. */
  packageId?: string;
}

const isZip = (b: Uint8Array) => b[0] === 0x50 && b[1] === 0x4b && (b[2] === 0x03 || b[2] === 0x05) && (b[3] === 0x04 || b[3] === 0x06);

/** Reads a task sequence from a file of any supported form. */
export async function importTaskSequenceFile(path: string, options: ImportOptions = {}): Promise<TaskSequence> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError({ file: path, message: `cannot read the task sequence file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
  }
  return importTaskSequenceBytes(bytes, path, options);
}

/** As importTaskSequenceFile, for content already in memory (`file` names it in errors). */
export function importTaskSequenceBytes(bytes: Uint8Array, file: string, options: ImportOptions = {}): TaskSequence {
  if (isZip(bytes)) {
    const objects = objectsInExport(bytes, file);
    const chosen = options.packageId ? objects.find((o) => o.packageId.toLowerCase() === options.packageId!.toLowerCase()) : objects[0];
    if (!chosen || (!options.packageId && objects.length > 1)) {
      throw new InputError({
        file,
        message: `${options.packageId ? `no task sequence ${options.packageId} in the export` : 'the export holds several task sequences'}; choose one of ${objects.map((o) => o.packageId).join(', ')}`,
      });
    }
    return importTaskSequenceXml(chosen.text, `${file}!${chosen.entry}`);
  }
  const text = decodeText(bytes);
  if (text.trimStart().startsWith('<')) return importTaskSequenceXml(text, file);
  const parsed = parseYaml(file, text);
  if ('problems' in parsed) throw new InputError(parsed.problems);
  if (parsed.source.data === null || typeof parsed.source.data !== 'object') {
    throw new InputError({
      file,
      message: 'not a task sequence: expected a ConfigMgr export (.zip), an object.xml, a <sequence> XML document, an MDT ts.xml or a YAML task sequence',
    });
  }
  return importTaskSequenceYaml(parsed.source.data, { file, locator: parsed.source.locator });
}

/** A bare <sequence> (ConfigMgr or MDT ts.xml) or an object.xml, told apart by the root element. */
export function importTaskSequenceXml(text: string, file?: string): TaskSequence {
  const root = parseXml(text, { file });
  return root.name === 'INSTANCE' ? sequenceFromObjectXml(root, text, file) : sequenceFromXml(root, file);
}

/** The inline YAML value from a scenario (with the scenario's Locator) or a YAML file's content. */
export function importTaskSequenceYaml(value: unknown, options: YamlImportOptions = {}): TaskSequence {
  return taskSequenceFromYaml(value, options);
}
