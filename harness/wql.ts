// A documented subset of WQL (docs/conditions.md) evaluated over WMI classes built from the
// machine's facts. A query naming a class or property the model does not have is an error,
// never a silent "no instances": a condition that cannot be evaluated must fail loudly.
import type { MachineFacts } from './machine.js';

export type WmiValue = string | number | boolean | null;
export type WmiInstance = Record<string, WmiValue>;

export class WqlError extends Error {
  override name = 'WqlError';
}

interface WmiClass {
  /** Namespace the class lives in (lower case, without the \\.\ prefix). */
  namespace?: 'root\\cimv2\\sms';
  /** Property names as WMI spells them; lookups are case-insensitive. */
  properties: string[];
  instances(facts: MachineFacts): WmiInstance[];
}

const osArchitecture = (a: MachineFacts['architecture']) => (a === 'x64' ? '64-bit' : '32-bit');

/** The classes the machine model can answer, with what each property is made from. */
const CLASSES: Record<string, WmiClass> = {
  Win32_ComputerSystem: {
    properties: ['Manufacturer', 'Model', 'Name', 'TotalPhysicalMemory', 'NumberOfProcessors', 'NumberOfLogicalProcessors', 'SystemType', 'PCSystemType'],
    instances: (f) => [{
      Manufacturer: f.smbios.manufacturer,
      Model: f.smbios.product,
      Name: f.name,
      TotalPhysicalMemory: f.memoryMB * 1024 * 1024,
      NumberOfProcessors: 1,
      NumberOfLogicalProcessors: f.cpus,
      SystemType: f.architecture === 'x64' ? 'x64-based PC' : 'X86-based PC',
      // 1 = desktop: the machine model has no battery or chassis, so no lab machine is a laptop (2).
      PCSystemType: 1,
    }],
  },
  Win32_ComputerSystemProduct: {
    properties: ['Name', 'Vendor', 'IdentifyingNumber', 'UUID'],
    instances: (f) => [{ Name: f.smbios.product, Vendor: f.smbios.manufacturer, IdentifyingNumber: f.smbios.serial, UUID: f.smbios.uuid.toUpperCase() }],
  },
  Win32_BIOS: {
    properties: ['SMBIOSBIOSVersion', 'SerialNumber'],
    instances: (f) => [{ SMBIOSBIOSVersion: f.smbios.biosVersion ?? null, SerialNumber: f.smbios.serial }],
  },
  Win32_SystemEnclosure: {
    properties: ['Manufacturer', 'SerialNumber', 'SMBIOSAssetTag'],
    instances: (f) => [{ Manufacturer: f.smbios.manufacturer, SerialNumber: f.smbios.serial, SMBIOSAssetTag: f.smbios.assetTag ?? null }],
  },
  Win32_OperatingSystem: {
    // The console's "Operating System Version" condition is a query on Version, ProductType and OSType.
    properties: ['Caption', 'Version', 'BuildNumber', 'OSArchitecture', 'ProductType', 'OSType'],
    // Windows PE answers for itself; the model only knows its architecture.
    instances: (f) => [f.operatingSystem
      ? {
          Caption: f.operatingSystem.caption,
          Version: f.operatingSystem.version,
          BuildNumber: f.operatingSystem.version.split('.')[2] ?? null,
          OSArchitecture: osArchitecture(f.operatingSystem.architecture),
          // 1 = workstation, 3 = server (domain controllers, 2, are not modelled).
          ProductType: /server/i.test(f.operatingSystem.caption) ? 3 : 1,
          OSType: 18,
        }
      : { Caption: null, Version: null, BuildNumber: null, OSArchitecture: osArchitecture(f.architecture), ProductType: null, OSType: 18 }],
  },
  Win32_Processor: {
    properties: ['Architecture', 'AddressWidth', 'DataWidth', 'MaxClockSpeed', 'NumberOfLogicalProcessors'],
    instances: (f) => [{
      Architecture: f.architecture === 'x64' ? 9 : 0,
      AddressWidth: f.architecture === 'x64' ? 64 : 32,
      DataWidth: f.architecture === 'x64' ? 64 : 32,
      MaxClockSpeed: f.processorSpeedMHz,
      NumberOfLogicalProcessors: f.cpus,
    }],
  },
  Win32_DiskDrive: {
    properties: ['Index', 'Size', 'Model', 'InterfaceType', 'Partitions', 'MediaType'],
    instances: (f) => f.disks.map((d) => ({
      Index: d.index, Size: d.sizeBytes, Model: d.model, InterfaceType: d.controller, Partitions: d.partitions.length, MediaType: 'Fixed hard disk media',
    })),
  },
  Win32_LogicalDisk: {
    properties: ['DeviceID', 'Size', 'FreeSpace', 'FileSystem', 'VolumeName'],
    instances: (f) => f.disks.flatMap((d) => d.partitions.filter((p) => p.driveLetter).map((p) => ({
      DeviceID: p.driveLetter!.toUpperCase(), Size: p.sizeBytes, FreeSpace: p.freeBytes ?? null,
      FileSystem: p.fileSystem ? p.fileSystem.toUpperCase() : null, VolumeName: p.label ?? null,
    }))),
  },
  Win32_NetworkAdapter: {
    properties: ['MACAddress', 'Name', 'ProductName', 'NetEnabled'],
    instances: (f) => f.networkAdapters.map((n) => ({
      MACAddress: n.mac.toUpperCase().replace(/-/g, ':'), Name: n.model, ProductName: n.model, NetEnabled: n.ipAddress !== undefined,
    })),
  },
  Win32_PnPEntity: {
    properties: ['DeviceID', 'PNPDeviceID', 'ConfigManagerErrorCode'],
    instances: (f) => f.pciDevices.map((p) => {
      const id = `PCI\\VEN_${p.vendorId}&DEV_${p.deviceId}&SUBSYS_${p.subsystemId}${p.subsystemVendorId}&REV_${p.revision}`;
      // 28 = CM_PROB_FAILED_INSTALL: "The drivers for this device are not installed."
      return { DeviceID: id, PNPDeviceID: id, ConfigManagerErrorCode: p.driverLoaded ? 0 : 28 };
    }),
  },
  // The machine model has no battery: every lab machine is a desktop, so the class has no instances.
  Win32_Battery: { properties: ['BatteryStatus', 'Name'], instances: () => [] },
  // The ConfigMgr client's processor class, used by sequences to tell x64 hardware apart.
  SMS_Processor: {
    namespace: 'root\\cimv2\\sms',
    properties: ['Is64Bit', 'IsMobile', 'IsMulticore', 'NormSpeed', 'AddressWidth', 'Architecture'],
    instances: (f) => [{
      Is64Bit: f.architecture === 'x64',
      IsMobile: false,
      IsMulticore: f.cpus > 1,
      NormSpeed: f.processorSpeedMHz,
      AddressWidth: f.architecture === 'x64' ? 64 : 32,
      Architecture: f.architecture === 'x64' ? 9 : 0,
    }],
  },
};

export const WMI_CLASSES: readonly string[] = Object.keys(CLASSES);

type Literal = string | number | boolean | null;
type Expr =
  | { op: 'and' | 'or'; left: Expr; right: Expr }
  | { op: 'not'; operand: Expr }
  | { op: 'cmp'; property: string; cmp: '=' | '<>' | '<' | '<=' | '>' | '>=' | 'like' | 'notlike' | 'isnull' | 'isnotnull'; value: Literal };

export interface WqlQuery {
  className: string;
  properties: string[] | '*';
  where?: Expr;
}

type Token = { kind: 'word' | 'string' | 'number' | 'symbol'; text: string };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|('(?:[^']|'')*'|"(?:[^"]|"")*")|(-?\d+(?:\.\d+)?)|(<>|!=|<=|>=|[=<>(),*]))/y;
  let i = 0;
  while (i < query.length) {
    if (/^\s*$/.test(query.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(query);
    if (!m) throw new WqlError(`cannot read the WQL query at "${query.slice(i).trim().slice(0, 20)}"`);
    i = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'word', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'string', text: m[2].slice(1, -1).replace(m[2][0] === "'" ? /''/g : /""/g, m[2][0]) });
    else if (m[3]) tokens.push({ kind: 'number', text: m[3] });
    else tokens.push({ kind: 'symbol', text: m[4] === '!=' ? '<>' : m[4] });
  }
  return tokens;
}

/** Parses `SELECT * | p1, p2 FROM Class [WHERE cond]` with AND/OR/NOT, parentheses, =, <>, <, <=, >, >=, [NOT] LIKE, IS [NOT] NULL. */
export function parseWql(query: string): WqlQuery {
  const t = tokenize(query);
  let i = 0;
  const peekWord = (w: string) => t[i]?.kind === 'word' && t[i].text.toUpperCase() === w;
  const expectWord = (w: string) => {
    if (!peekWord(w)) throw new WqlError(`expected ${w} in the WQL query, found ${t[i] ? `"${t[i].text}"` : 'the end'}`);
    i++;
  };
  expectWord('SELECT');
  let properties: string[] | '*' = [];
  if (t[i]?.text === '*') {
    properties = '*';
    i++;
  } else {
    do {
      if (t[i]?.kind !== 'word') throw new WqlError('expected a property name after SELECT');
      properties.push(t[i++].text);
    } while (t[i]?.text === ',' && ++i);
  }
  expectWord('FROM');
  if (t[i]?.kind !== 'word') throw new WqlError('expected a class name after FROM');
  const className = t[i++].text;
  let where: Expr | undefined;
  if (i < t.length) {
    expectWord('WHERE');
    where = parseOr();
  }
  if (i < t.length) throw new WqlError(`unexpected "${t[i].text}" in the WQL query`);
  return { className, properties, where };

  function parseOr(): Expr {
    let left = parseAnd();
    while (peekWord('OR')) {
      i++;
      left = { op: 'or', left, right: parseAnd() };
    }
    return left;
  }
  function parseAnd(): Expr {
    let left = parseNot();
    while (peekWord('AND')) {
      i++;
      left = { op: 'and', left, right: parseNot() };
    }
    return left;
  }
  function parseNot(): Expr {
    if (peekWord('NOT')) {
      i++;
      return { op: 'not', operand: parseNot() };
    }
    if (t[i]?.text === '(') {
      i++;
      const inner = parseOr();
      if (t[i]?.text !== ')') throw new WqlError('missing ")" in the WQL query');
      i++;
      return inner;
    }
    return parseComparison();
  }
  function parseComparison(): Expr {
    if (t[i]?.kind !== 'word') throw new WqlError(`expected a property name in the WHERE clause, found ${t[i] ? `"${t[i].text}"` : 'the end'}`);
    const property = t[i++].text;
    if (peekWord('IS')) {
      i++;
      const negate = peekWord('NOT') ? (i++, true) : false;
      expectWord('NULL');
      return { op: 'cmp', property, cmp: negate ? 'isnotnull' : 'isnull', value: null };
    }
    let cmp: Extract<Expr, { op: 'cmp' }>['cmp'];
    if (peekWord('NOT')) {
      i++;
      expectWord('LIKE');
      cmp = 'notlike';
    } else if (peekWord('LIKE')) {
      i++;
      cmp = 'like';
    } else if (t[i]?.kind === 'symbol' && ['=', '<>', '<', '<=', '>', '>='].includes(t[i].text)) {
      cmp = t[i++].text as typeof cmp;
    } else {
      throw new WqlError(`expected an operator after ${property} (=, <>, <, <=, >, >=, LIKE, IS NULL)`);
    }
    return { op: 'cmp', property, cmp, value: parseLiteral() };
  }
  function parseLiteral(): Literal {
    const tok = t[i++];
    if (!tok) throw new WqlError('expected a value at the end of the WQL query');
    if (tok.kind === 'string') return tok.text;
    if (tok.kind === 'number') return Number(tok.text);
    if (tok.kind === 'word' && /^(true|false)$/i.test(tok.text)) return tok.text.toLowerCase() === 'true';
    if (tok.kind === 'word' && /^null$/i.test(tok.text)) return null;
    throw new WqlError(`expected a quoted string or a number, found "${tok.text}"`);
  }
}

/** SQL LIKE: % any run, _ one character, [abc] a set; case-insensitive as WMI compares strings. */
export function likeMatch(value: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end);
        const negated = body.startsWith('^');
        re += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is').test(value);
}

function compare(a: WmiValue, cmp: Extract<Expr, { op: 'cmp' }>['cmp'], b: Literal): boolean {
  if (cmp === 'isnull') return a === null;
  if (cmp === 'isnotnull') return a !== null;
  if (a === null || b === null) return false;
  if (cmp === 'like' || cmp === 'notlike') return likeMatch(String(a), String(b)) === (cmp === 'like');
  let order: number;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    if (Number.isNaN(x) || Number.isNaN(y)) throw new WqlError(`cannot compare ${JSON.stringify(a)} with ${JSON.stringify(b)} as numbers`);
    order = Math.sign(x - y);
  } else {
    const x = String(a).toLowerCase();
    const y = String(b).toLowerCase();
    order = x === y ? 0 : x < y ? -1 : 1;
  }
  switch (cmp) {
    case '=': return order === 0;
    case '<>': return order !== 0;
    case '<': return order < 0;
    case '<=': return order <= 0;
    case '>': return order > 0;
    case '>=': return order >= 0;
  }
}

/** Runs the query over the machine's facts; throws WqlError for unknown classes/properties or unreadable queries. */
export function runWql(namespace: string, query: string, facts: MachineFacts): WmiInstance[] {
  const ns = namespace.trim().toLowerCase().replace(/^\\\\\.\\/, '');
  if (ns !== 'root\\cimv2' && ns !== 'root\\cimv2\\sms') {
    throw new WqlError(`namespace "${namespace}" is not modelled (only root\\cimv2 and root\\cimv2\\sms)`);
  }
  const q = parseWql(query);
  const inNamespace = Object.keys(CLASSES).filter((k) => (CLASSES[k].namespace ?? 'root\\cimv2') === ns);
  const classKey = inNamespace.find((k) => k.toLowerCase() === q.className.toLowerCase());
  if (!classKey) throw new WqlError(`WMI class ${q.className} is not in the machine model's ${ns} (known: ${inNamespace.join(', ')})`);
  const cls = CLASSES[classKey];
  const resolve = (p: string) => {
    const name = cls.properties.find((k) => k.toLowerCase() === p.toLowerCase());
    if (!name) throw new WqlError(`property ${classKey}.${p} is not in the machine model (known: ${cls.properties.join(', ')})`);
    return name;
  };
  if (q.properties !== '*') q.properties.forEach(resolve);
  const test = (e: Expr, inst: WmiInstance): boolean => {
    switch (e.op) {
      case 'and': return test(e.left, inst) && test(e.right, inst);
      case 'or': return test(e.left, inst) || test(e.right, inst);
      case 'not': return !test(e.operand, inst);
      case 'cmp': return compare(inst[resolve(e.property)], e.cmp, e.value);
    }
  };
  // Validate every property in WHERE even when there are no instances to test it against.
  const checkNames = (e: Expr): void => {
    if (e.op === 'cmp') resolve(e.property);
    else if (e.op === 'not') checkNames(e.operand);
    else { checkNames(e.left); checkNames(e.right); }
  };
  if (q.where) checkNames(q.where);
  return cls.instances(facts).filter((inst) => !q.where || test(q.where, inst));
}
