// Machines of the loaded model: matrix entries expanded, identity filled in, and the layout
// the deployment is to give disk 0 published as task-sequence variables.
import { derivedMac, derivedUuid, offsetMac } from './identity.js';
import { expandMatrix } from './matrix.js';
import type { ClientGroup, Machine } from './model.js';
import type { MachineDocument, MachineFields } from './schema.js';
import type { FieldPath } from './yaml-source.js';

export function buildMachines(entries: MachineDocument[]): Machine[] {
  return entries.flatMap((entry, i) =>
    expandMatrix(entry).map((m) => {
      // A template MAC is shared by all combinations: each takes the next address.
      const mac = m.fields.nic.mac && m.axes ? offsetMac(m.fields.nic.mac, m.combination) : m.fields.nic.mac;
      return complete(m.fields, { name: m.name, template: entry.name, axes: m.axes, expect: m.expect, mac, sourcePath: ['machines', i] });
    }),
  );
}

/** The n-th (1-based) client of a capacity group: NAME-0001, NAME-0002, … */
export function clientMachine(group: ClientGroup, n: number): Machine {
  const width = Math.max(4, String(group.count).length);
  const name = `${group.name}-${String(n).padStart(width, '0')}`;
  return complete({ ...structuredClone(group.template), boundary: group.template.boundary ?? group.boundary }, {
    name,
    template: group.name,
    mac: group.template.nic.mac ? offsetMac(group.template.nic.mac, n - 1) : undefined,
    sourcePath: group.sourcePath,
  });
}

function complete(
  fields: MachineFields,
  m: { name: string; template: string; axes?: Record<string, string>; expect?: Machine['expect']; mac?: string; sourcePath: FieldPath },
): Machine {
  const variables = { ...fields.variables };
  if (fields.partitionStyle && variables.OSDPartitionStyle === undefined) variables.OSDPartitionStyle = fields.partitionStyle.toUpperCase();
  if (fields.diskType && variables.OSDDiskType === undefined) variables.OSDDiskType = fields.diskType.toUpperCase();
  return {
    ...fields,
    name: m.name,
    template: m.template,
    ...(m.axes ? { axes: m.axes } : {}),
    nic: { model: fields.nic.model, mac: m.mac ?? derivedMac(m.name) },
    smbios: { ...fields.smbios, serial: fields.smbios.serial ?? m.name, uuid: fields.smbios.uuid ?? derivedUuid(m.name) },
    variables,
    ...(m.expect ? { expect: m.expect } : {}),
    sourcePath: m.sourcePath,
  };
}
