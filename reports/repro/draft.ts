// The draft scenario `osdlab repro` writes: a site with one distribution point and management point, the
// machine as the log describes it, a required deployment of either the synthetic task sequence (plan-steps.ts)
// or the customer's export, and an expect: block holding the path the log shows, so `osdlab run` on the draft
// says at once whether the lab walks the same path. Every guess is marked "# TODO:".
import type { FieldStep, FieldTrace } from './trace.js';
import { allFieldNodes } from './trace.js';
import { planSteps, type DraftIds, type PlannedNode, type PlannedStep } from './plan-steps.js';
import { field, scalar, YamlLines } from './yaml-text.js';

export interface ExportPlan {
  /** The path the scenario names, relative to the scenario's folder. */
  path: string;
  /** Package IDs the export references, by content kind. */
  content: { id: string; kind: 'osImage' | 'client' | 'usmt' | 'driverPackage' | 'software' }[];
  /** Machine variables that pin the export's conditions to the values the log shows. */
  variables: Record<string, string>;
  /** Logged steps and groups the export does not have: left out of expect:. */
  absentSteps: string[];
  todo: string[];
}

export interface DraftInput {
  trace: FieldTrace;
  /** The log as the user named it, for the header. */
  logFile: string;
  /** Records read and skipped, for the header. */
  records: number;
  skippedRecords: number;
  /** With --ts: the export replaces the synthetic task sequence. */
  export?: ExportPlan;
}

const SUBNET = '198.18.70.0/24';

export function draftScenario(input: DraftInput): string {
  const { trace } = input;
  const facts = trace.facts;
  const site = siteCode(facts.packageId);
  const ids = nextIds(site, new Set(input.export?.content.map((c) => c.id) ?? []));
  const own: DraftIds = { osImage: ids(), clientPackage: ids() };
  const plan = input.export ? undefined : planSteps(trace, own);
  const bootImage = ids();
  const machine = machineName(facts.machineName);
  const fullOs = facts.startsIn === 'FullOS';
  const y = new YamlLines();

  y.comment(`Draft scenario written by \`osdlab repro\` from ${input.logFile}`);
  y.comment(`(${trace.engine === 'MDT' ? 'MDT standalone task-sequence engine' : 'ConfigMgr task sequence'}; ${input.records} log records${input.skippedRecords ? `, ${input.skippedRecords} unreadable lines skipped` : ''}).`);
  y.comment(
    input.export
      ? `It deploys the customer's export and pins its conditions with the variables the log shows;\nexpect: holds the path the log shows. Review every "TODO:" before relying on it.`
      : `Its task sequence replays the path the log shows: each executed step in its group, failing where the\nfield failed with the same exit code; expect: holds that path. Review every "TODO:" before relying on it.`,
  );
  y.line(field('name', `repro-${machine.toLowerCase()}`));
  y.line(field('description', `Reproduction of ${facts.packageName ?? 'a field task sequence'} on ${facts.machineName ?? 'a field machine'} from ${input.logFile}`));
  y.nest('site:', () => {
    y.line(field('code', site, facts.packageId ? `from the task sequence's package ID ${facts.packageId}` : 'TODO: the log does not show the site code'));
    y.todo('boundaries, links and distribution points of the field: the log shows none of them');
    y.nest('boundaries:', () => y.line(`- { name: FIELD, subnet: ${SUBNET} }`));
    y.line('managementPoint: { name: MP01, boundary: FIELD }');
    y.nest('distributionPoints:', () => y.line(`- { name: DP01, boundary: FIELD${fullOs ? '' : ', pxe: { unknownComputerSupport: true }'} }`));
  });
  y.nest('content:', () => {
    y.todo('sizes are typical values, not the field content');
    y.nest('bootImages:', () => y.line(`- { id: ${bootImage}, name: ${scalar(`Boot image (${facts.arch ?? 'x64'})`)}, arch: ${facts.arch ?? 'x64'}, size: 480MB }`));
    const osImages: string[] = [];
    const driverPackages: string[] = [];
    const packages: string[] = [];
    if (plan?.osImage) {
      const note = plan.osImage.fieldPackageId ? `  # the field image is ${plan.osImage.fieldPackageId}` : '';
      osImages.push(`- { id: ${own.osImage}, name: Operating system image, arch: ${facts.arch ?? 'x64'}, size: 4GB, imageIndex: ${plan.osImage.imageIndex} }${note}`);
    }
    if (plan?.clientPackage) packages.push(`- { id: ${own.clientPackage}, name: Configuration Manager Client Package, kind: client, size: 95MB }`);
    for (const c of input.export?.content ?? []) {
      if (c.kind === 'osImage') osImages.push(`- { id: ${c.id}, name: ${scalar(`Image ${c.id}`)}, arch: ${facts.arch ?? 'x64'}, size: 4GB }`);
      else if (c.kind === 'driverPackage') driverPackages.push(`- { id: ${c.id}, name: ${scalar(`Driver package ${c.id}`)}, size: 100MB }`);
      else packages.push(`- { id: ${c.id}, name: ${scalar(`Package ${c.id}`)}, kind: ${c.kind}, size: 100MB }`);
    }
    for (const [key, list] of [['osImages', osImages], ['driverPackages', driverPackages], ['packages', packages]] as const) {
      if (list.length > 0) y.nest(`${key}:`, () => list.forEach((l) => y.line(l)));
    }
  });
  y.nest('collections:', () => y.line(fullOs ? `- { name: Field reproduction, members: [${machine}] }` : '- { name: Field reproduction, unknownComputers: true }'));
  if (fullOs) y.nest('computers:', () => y.line(`- { name: ${machine}${facts.mac ? `, mac: ${macOf(facts.mac)}` : ', mac: 52:54:00:70:00:01'} }`));
  y.nest('deployments:', () =>
    y.item(field('name', facts.packageName ?? 'Field task sequence'), () => {
      y.line('collection: Field reproduction');
      y.line('purpose: required');
      y.line(field('availableTo', fullOs ? 'clients' : 'mediaAndPxe', fullOs ? 'the log starts in the full OS' : startComment(facts)));
      y.line(field('bootImage', bootImage));
      if (input.export) {
        for (const t of input.export.todo) y.todo(t);
        y.line(field('taskSequence', input.export.path));
      } else {
        y.nest('taskSequence:', () => {
          y.line(field('name', facts.packageName ?? 'Field task sequence'));
          if (plan!.nodes.length === 0) y.todo('the log shows no executed step');
          y.nest('steps:', () => writeNodes(y, plan!.nodes));
        });
      }
    }),
  );
  y.nest('machines:', () => y.item(field('name', machine, facts.machineName ? undefined : 'TODO: the log shows no computer name'), () => writeMachine(y, input, fullOs)));
  return y.text();
}

function writeMachine(y: YamlLines, input: DraftInput, fullOs: boolean): void {
  const { facts } = input.trace;
  y.line(field('firmware', facts.firmware ?? 'uefi', facts.firmware ? 'from the log' : 'TODO: the log does not show the firmware'));
  y.line(field('arch', facts.arch ?? 'x64', facts.arch ? 'from the log' : 'TODO: the log does not show the architecture'));
  y.line(`memory: ${facts.memoryMB ? `${facts.memoryMB}MB  # from the log` : '4GB  # TODO: the log does not show the memory'}`);
  y.todo('disk size, model and controller: the log does not show them');
  if (fullOs) {
    y.nest('disks:', () =>
      y.item('size: 64GB', () =>
        y.nest('layout:', () => {
          y.line(`style: ${facts.firmware === 'bios' ? 'mbr' : 'gpt'}`);
          y.nest('partitions:', () => {
            if (facts.firmware === 'bios') y.line('- { type: primary, size: 100%, fileSystem: ntfs, label: Windows, active: true }');
            else ['- { type: efi, size: 100MB, fileSystem: fat32, label: System }', '- { type: msr, size: 16MB }', '- { type: primary, size: 100%, fileSystem: ntfs, label: Windows }'].forEach((l) => y.line(l));
          });
        }),
      ),
    );
  } else {
    y.line('disks: [{ size: 64GB }]');
  }
  const nic = nicModel(facts.nicName);
  y.line(`nic: { model: ${nic ?? 'e1000e'}${facts.mac ? `, mac: ${macOf(facts.mac)}` : fullOs ? ', mac: 52:54:00:70:00:01' : ''} }${nic ? `  # the log shows "${facts.nicName}"` : facts.nicName ? `  # TODO: the log shows "${facts.nicName}"; pick the closest model` : '  # TODO: the log does not show the network adapter'}`);
  const smbios = [facts.manufacturer && `manufacturer: ${scalar(facts.manufacturer)}`, facts.model && `product: ${scalar(facts.model)}`, facts.serial && `serial: ${scalar(facts.serial)}`, facts.uuid && /^[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$/i.test(facts.uuid) && `uuid: ${facts.uuid.toUpperCase()}`].filter(Boolean);
  if (smbios.length > 0) y.line(`smbios: { ${smbios.join(', ')} }  # from the log`);
  y.line(fullOs ? 'bootOrder: [disk]' : 'bootOrder: [disk, pxe]');
  y.line('boundary: FIELD');
  if (fullOs) y.line(`installedOs: { caption: Microsoft Windows 10 Enterprise, version: 10.0.19045, partition: ${facts.firmware === 'bios' ? 1 : 3} }  # TODO: the installed OS the log started from`);
  const variables = input.export?.variables ?? {};
  if (Object.keys(variables).length > 0) {
    y.comment('Values the log shows for the variables the conditions of the task sequence read:');
    y.nest('variables:', () => Object.entries(variables).forEach(([k, v]) => y.line(`${scalar(k)}: ${JSON.stringify(v)}`)));
  } else if (!input.export) {
    const shown = fieldVariables(input.trace.variables);
    if (shown.length > 0) y.comment(`Variables the log shows (field values, not applied: the real steps that read them are not in the draft):\n${shown.join('\n')}`);
  }
  writeExpect(y, input.trace, new Set(input.export?.absentSteps));
}

function writeExpect(y: YamlLines, trace: FieldTrace, absent: Set<string>): void {
  const steps = allFieldNodes(trace.nodes).filter((n): n is FieldStep => n.kind === 'step' && n.status !== undefined && !absent.has(n.name));
  const byName = new Map<string, string>();
  const repeated = new Set<string>();
  for (const s of steps) {
    if (byName.has(s.name) && byName.get(s.name) !== s.status) repeated.add(s.name);
    byName.set(s.name, s.status!);
  }
  y.nest('expect:', () => {
    if (trace.outcome === 'unknown') y.todo('the log does not show how the task sequence ended; success assumed');
    y.line(field('outcome', trace.outcome === 'failed' ? 'failed' : 'success'));
    if (trace.failedStep && !absent.has(trace.failedStep)) y.line(field('failedStep', trace.failedStep));
    if (byName.size === 0) return;
    y.nest('steps:', () => {
      for (const [name, status] of byName) {
        if (repeated.has(name)) y.todo(`"${name}" appears more than once with different outcomes; the last one is expected`);
        y.line(`${scalar(name)}: ${status}`);
      }
    });
  });
}

function writeNodes(y: YamlLines, nodes: PlannedNode[]): void {
  for (const n of nodes) {
    if (n.kind === 'group') {
      y.item(field('group', n.name), () => {
        if (n.disabled) y.line('disabled: true');
        if (n.conditionFalse) writeFalseCondition(y, 'group');
        if (n.children.length === 0) y.line('steps: []');
        else y.nest('steps:', () => writeNodes(y, n.children));
      });
      continue;
    }
    y.item(field('name', n.name), () => writeStep(y, n));
  }
}

function writeStep(y: YamlLines, s: PlannedStep): void {
  for (const t of s.todo) y.todo(t);
  y.line(field('type', s.type));
  if (s.description) y.line(field('description', s.description));
  if (s.disabled) y.line('disabled: true');
  if (s.continueOnError) y.line('continueOnError: true');
  if (s.conditionFalse) writeFalseCondition(y, 'step');
  if (s.command) y.line(field('command', s.command));
  if (s.successCodes) y.line(`successCodes: [${s.successCodes.join(', ')}]`);
  if (s.with) y.line(`with: { ${Object.entries(s.with).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')} }`);
  if (s.layout === 'uefi') {
    y.nest('partitions:', () => {
      y.line('- { type: EFI, size: 500MB, fileSystem: FAT32, label: System }');
      y.line('- { type: MSR, size: 128MB }');
      y.line('- { type: Primary, size: 100%, fileSystem: NTFS, label: Windows, letterVariable: OSDisk }');
    });
  } else if (s.layout === 'bios') {
    y.nest('partitions:', () => {
      y.line('- { type: Primary, size: 350MB, fileSystem: NTFS, label: System Reserved, bootable: true }');
      y.line('- { type: Primary, size: 100%, fileSystem: NTFS, label: Windows, letterVariable: OSDisk }');
    });
  }
}

function writeFalseCondition(y: YamlLines, what: 'step' | 'group'): void {
  y.todo(`the field evaluated this ${what}'s condition to false; the log does not show the condition`);
  y.line('condition: { variable: OSDLabFieldConditionMet, exists: true }');
}

/** Variables the task sequence or its admin set, as "  NAME = VALUE" lines; the engine's own and secrets left out. */
function fieldVariables(variables: Map<string, string>): string[] {
  const engine = /^_?SMSTS|^_OSD|^_SMS/i;
  const secret = /password|passwd|pwd$|productkey|secret/i;
  return [...variables]
    .filter(([name, value]) => value !== '' && !engine.test(name))
    .map(([name, value]) => `  ${name} = ${secret.test(name) ? '(not copied)' : value}`);
}

/** How the log says a bare-metal machine started; the draft starts it by PXE. */
function startComment(facts: FieldTrace['facts']): string {
  const media = facts.mediaType && !/^pxe$/i.test(facts.launchMode ?? '');
  if (media) return `TODO: the log shows _SMSTSMediaType=${facts.mediaType}: a media start, drafted as PXE; add media: and attach it to the machine`;
  if (facts.launchMode) return `the log shows _SMSTSLaunchMode=${facts.launchMode}`;
  return 'TODO: PXE assumed; the log does not show how the machine started';
}

/** The site code of a package ID ("PS100042" → "PS1"), or LAB. */
function siteCode(packageId: string | undefined): string {
  return packageId && /^[A-Z0-9]{3}[0-9A-F]{5}$/i.test(packageId) ? packageId.slice(0, 3).toUpperCase() : 'LAB';
}

/** Package IDs for the draft's own content, unused by the export: SITE00D01, SITE00D02, ... */
function nextIds(site: string, taken: Set<string>): () => string {
  let n = 0xd00;
  return () => {
    let id: string;
    do id = `${site}${(++n).toString(16).toUpperCase().padStart(5, '0')}`;
    while (taken.has(id));
    return id;
  };
}

/** A computer name the scenario accepts: letters, digits and hyphens, at most 15 characters. */
function machineName(name: string | undefined): string {
  const clean = (name ?? 'FIELD-PC').replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 15);
  return clean.length > 0 ? clean : 'FIELD-PC';
}

function macOf(mac: string): string {
  return mac.replace(/-/g, ':').toLowerCase();
}

/** The scenario's NIC model for an adapter name as Windows shows it. */
function nicModel(name: string | undefined): string | undefined {
  const n = (name ?? '').toLowerCase();
  if (n.includes('82574')) return 'e1000e';
  if (n.includes('pro/1000')) return 'e1000';
  if (n.includes('virtio')) return 'virtio';
  if (n.includes('vmxnet3')) return 'vmxnet3';
  if (n.includes('rtl8139') || n.includes('8139')) return 'rtl8139';
  return undefined;
}
