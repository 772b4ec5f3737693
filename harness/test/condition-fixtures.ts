// Shared test inputs for condition and lint tests: a machine's facts and a context over plain maps.
import type { ConditionContext } from '../conditions.js';
import type { FileInfo, MachineFacts, TaskSequenceMachine } from '../machine.js';

export function hpLaptopFacts(overrides: Partial<MachineFacts> = {}): MachineFacts {
  return {
    name: 'PC01',
    firmware: 'uefi',
    architecture: 'x64',
    memoryMB: 8192,
    cpus: 4,
    processorSpeedMHz: 2400,
    smbios: { manufacturer: 'HP', product: 'HP EliteBook 840 G8', serial: 'CZC1234', uuid: '4c4c4544-0042-3510-8056-b7c04f4e3132', biosVersion: 'T37 Ver. 01.10.00' },
    pciDevices: [{ vendorId: '8086', deviceId: '15F3', subsystemVendorId: '103C', subsystemId: '8720', revision: '03', classCode: '020000', driverLoaded: false }],
    networkAdapters: [{ mac: '52-54-00-12-34-56', model: 'Intel(R) Ethernet Controller I225-LM' }],
    disks: [{
      index: 0, sizeBytes: 256e9, model: 'SAMSUNG MZVL2256', controller: 'NVMe', style: 'gpt', dynamic: false,
      partitions: [{ number: 3, type: 'primary', typeId: 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7', sizeBytes: 200e9, offsetBytes: 1e9, fileSystem: 'ntfs', label: 'Windows', active: false, driveLetter: 'C:', freeBytes: 150e9 }],
    }],
    environment: 'WinPE',
    bootedFrom: 'pxe',
    ...overrides,
  };
}

export interface FakeWorld {
  variables?: Record<string, string>;
  files?: Record<string, FileInfo>;
  registry?: Record<string, string>;
  facts?: MachineFacts;
}

/** A condition context over maps; only the machine operations conditions use are implemented. */
export function fakeContext(world: FakeWorld = {}): ConditionContext {
  const vars = new Map(Object.entries(world.variables ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const facts = world.facts ?? hpLaptopFacts();
  const machine = {
    name: facts.name,
    facts: async () => facts,
    fileInfo: async (path: string) => world.files?.[path.toLowerCase()] ?? { exists: false, directory: false },
    registryValue: async (key: string, value: string) => world.registry?.[`${key}\\${value}`.toLowerCase()],
  } as unknown as TaskSequenceMachine;
  return {
    variable: (name) => vars.get(name.toLowerCase()),
    expand: (text) => text.replace(/%([^%]+)%/g, (m, name: string) => vars.get(name.toLowerCase()) ?? m),
    machine,
    facts,
  };
}
