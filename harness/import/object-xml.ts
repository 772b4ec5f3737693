// A console export's object.xml (WMI CIM-XML of SMS_TaskSequencePackage, ts-formats §b.1):
// the task sequence is the `Sequence` property, in CDATA or entity-escaped; Name/PackageID/Description ride along.
import type { TaskSequence } from '../model.js';
import { sequenceFromXml } from './sequence-xml.js';
import { Where } from './where.js';
import { parseXml, type XmlElement } from './xml-tree.js';

function property(instance: XmlElement, name: string): XmlElement | undefined {
  return instance.children.find((c) => c.name === 'PROPERTY' && c.attributes.NAME?.toLowerCase() === name.toLowerCase());
}

function propertyValue(instance: XmlElement, name: string): string | undefined {
  return property(instance, name)?.children.find((c) => c.name === 'VALUE')?.text;
}

/** Line and column where the sequence text starts inside object.xml, when it is CDATA (the usual form). */
function sequenceOrigin(text: string, value: XmlElement): { line: number; column: number } {
  const lines = text.split('\n');
  const line = lines[value.line - 1] ?? '';
  const at = line.indexOf('<![CDATA[', value.column - 1);
  return at >= 0 ? { line: value.line, column: at + 10 } : { line: value.line, column: value.column };
}

export function sequenceFromObjectXml(root: XmlElement, text: string, file: string | undefined): TaskSequence {
  const where = Where.root(file, root);
  if (root.name !== 'INSTANCE' || root.attributes.CLASSNAME !== 'SMS_TaskSequencePackage') {
    where.fail(root, `expected <INSTANCE CLASSNAME="SMS_TaskSequencePackage">, found <${root.name}${root.attributes.CLASSNAME ? ` CLASSNAME="${root.attributes.CLASSNAME}"` : ''}>`);
  }
  const sequenceProperty = property(root, 'Sequence');
  const value = sequenceProperty?.children.find((c) => c.name === 'VALUE');
  if (!sequenceProperty || !value || value.text.trim() === '') {
    return where.fail(sequenceProperty ?? root, 'the SMS_TaskSequencePackage has no Sequence property value (the task sequence XML)');
  }
  const origin = sequenceOrigin(text, value);
  const ts = sequenceFromXml(parseXml(value.text, { file, ...origin }), file);
  const name = propertyValue(root, 'Name');
  const description = propertyValue(root, 'Description');
  const packageId = propertyValue(root, 'PackageID');
  return {
    ...ts,
    ...(name ? { name } : {}),
    ...(description ? { description } : {}),
    ...(packageId ? { packageId } : {}),
  };
}
