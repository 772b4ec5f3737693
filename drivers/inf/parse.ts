// Reads what ConfigMgr's driver import reads from an INF (osd-behaviours §8.1: provider, class,
// version, signature, supported hardware, supported platforms) and what PnP ranking needs:
// [Version], [Manufacturer] with its TargetOSVersion decorations, the models sections with their
// hardware and compatible IDs, FeatureScore of each install section.
import { readFile } from 'node:fs/promises';
import { decodeInf, type InfEncoding } from './text.js';
import { parseInfSyntax, expandValue, inputError, type InfDocument, type InfEntry, type InfSection } from './syntax.js';
import { parseDecoration, type TargetOsDecoration } from './decoration.js';

export interface DriverVer {
  /** ISO date, "2013-03-15". */
  date: string;
  /** "w.x.y.z"; "0.0.0.0" when the INF gives only a date. */
  version: string;
}

export interface InfModel {
  /** Device description with strings substituted. */
  description: string;
  installSection: string;
  /** Upper case, as PnP compares IDs case-insensitively. */
  hardwareId: string;
  compatibleIds: string[];
  line: number;
  /** FeatureScore of the install section (0x00–0xFF); 0xFF when the INF sets none. */
  featureScore: number;
}

export interface InfModelsSection {
  /** The section name as written, e.g. "RHEL.NTamd64" or "RedHat.NT$ARCH$". */
  section: string;
  manufacturer: string;
  /** Absent for the undecorated models section. */
  decoration?: TargetOsDecoration;
  line: number;
  models: InfModel[];
}

/** An unstamped `NT$ARCH$` in an .inf, read as every architecture stampinf would produce. */
export interface InfStamping {
  line: number;
  placeholder: string;
  readAs: string[];
}

export interface InfFile {
  file: string;
  encoding: InfEncoding;
  signature: string;
  provider?: string;
  class?: string;
  /** Lower case, with braces. */
  classGuid?: string;
  driverVer: DriverVer;
  catalogFile?: string;
  manufacturers: { name: string; modelsSection: string; decorations: TargetOsDecoration[]; line: number }[];
  modelsSections: InfModelsSection[];
  stamped?: InfStamping;
}

// What stampinf and the WDK's INX processing replace; `$CHICAGO$` and `$Windows NT$` are real signatures.
const PLACEHOLDER = /\$(?:ARCH|KMDFVERSION|KMDFCOINSTALLERVERSION|UMDFVERSION|UMDFCOINSTALLERVERSION)\$|INX_[A-Z0-9_]+/;
const STAMPED_ARCHITECTURES = ['NTx86', 'NTamd64'];

/** Every non-comment place a stampinf placeholder appears, in file order. */
function placeholders(doc: InfDocument): { line: number; where: string; text: string }[] {
  const found: { line: number; where: string; text: string }[] = [];
  for (const s of doc.sections.values()) {
    const inName = PLACEHOLDER.exec(s.name);
    if (inName) found.push({ line: s.line, where: `[${s.name}]`, text: inName[0] });
    for (const e of s.entries) {
      const m = PLACEHOLDER.exec([e.key ?? '', ...e.values].join(','));
      if (m) found.push({ line: e.line, where: `[${s.name}]${e.key ? ` ${e.key}` : ''}`, text: m[0] });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

class InfReader {
  private readonly strings = new Map<string, string>();

  constructor(
    private readonly doc: InfDocument,
    private readonly file: string,
  ) {
    const stringSections = [...doc.sections.values()].filter((s) => /^strings(\.|$)/i.test(s.name));
    // [Strings] first, then the en-US table, then any other language: first definition wins.
    const order = (s: InfSection) => (s.name.toLowerCase() === 'strings' ? 0 : s.name === 'Strings.0409' ? 1 : 2);
    for (const s of stringSections.sort((a, b) => order(a) - order(b))) {
      for (const e of s.entries) {
        if (!e.key) continue;
        const key = e.key.toLowerCase();
        if (!this.strings.has(key)) this.strings.set(key, expandValue(e.values.join(','), () => undefined, (k) => `%${k}%`));
      }
    }
  }

  section(name: string): InfSection | undefined {
    return this.doc.sections.get(name.toLowerCase());
  }

  fail(line: number | undefined, where: string, message: string): never {
    throw inputError(this.file, line, where, message);
  }

  expand(raw: string, entry: InfEntry, where: string): string {
    return expandValue(
      raw,
      (k) => this.strings.get(k.toLowerCase()),
      (k) => this.fail(entry.line, where, `%${k}% is not defined in [Strings]`),
    );
  }

  /** The single value of `key` in a section, expanded; undefined when absent. */
  value(section: InfSection, key: string): { text: string; entry: InfEntry } | undefined {
    const entry = section.entries.find((e) => e.key?.toLowerCase() === key.toLowerCase());
    if (!entry) return undefined;
    return { text: this.expand(entry.values.join(','), entry, `[${section.name}] ${key}`).trim(), entry };
  }
}

function parseDriverVer(reader: InfReader, version: InfSection): DriverVer {
  const where = `[${version.name}] DriverVer`;
  const v = reader.value(version, 'DriverVer');
  if (!v) reader.fail(version.line, where, 'DriverVer is missing; Windows ranks drivers by it (DriverVer = mm/dd/yyyy,w.x.y.z)');
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})\s*(?:,\s*(\d+(?:\.\d+){0,3}))?$/.exec(v.text);
  const month = Number(m?.[1]);
  const day = Number(m?.[2]);
  if (!m || month < 1 || month > 12 || day < 1 || day > 31) {
    reader.fail(v.entry.line, where, `found "${v.text}"; allowed: mm/dd/yyyy[,w.x.y.z]`);
  }
  const parts = (m[4] ?? '0').split('.').map(Number);
  if (parts.some((p) => p > 65535)) reader.fail(v.entry.line, where, `version part above 65535 in "${m[4]}"`);
  while (parts.length < 4) parts.push(0);
  return { date: `${m[3]}-${m[1].padStart(2, '0')}-${m[2].padStart(2, '0')}`, version: parts.join('.') };
}

function featureScore(reader: InfReader, installSection: string, model: InfEntry, where: string): number {
  const section = reader.section(installSection);
  if (!section) return 0xff;
  const v = reader.value(section, 'FeatureScore');
  if (!v) return 0xff;
  if (!/^(0x)?[0-9a-f]{1,2}$/i.test(v.text)) {
    reader.fail(v.entry.line, `[${section.name}] FeatureScore`, `found "${v.text}" (used by ${where} line ${model.line}); allowed: a byte, 0x00–0xFF`);
  }
  return parseInt(v.text.replace(/^0x/i, ''), 16);
}

function parseModels(reader: InfReader, section: InfSection, manufacturer: string, decoration?: TargetOsDecoration): InfModelsSection {
  const models = section.entries.map((e): InfModel => {
    const where = `[${section.name}] ${e.key ?? e.values[0]}`;
    if (e.key === undefined) reader.fail(e.line, where, 'a models line needs "description = install-section, hardware-id[, compatible-id...]"');
    const [install, ...ids] = e.values.map((v) => reader.expand(v, e, where).trim());
    if (!install) reader.fail(e.line, where, 'the install section name is empty');
    const named = ids.filter((id) => id !== '');
    if (named.length === 0) reader.fail(e.line, where, `no hardware ID after the install section "${install}"`);
    return {
      description: reader.expand(e.key, e, where).trim(),
      installSection: install,
      hardwareId: named[0].toUpperCase(),
      compatibleIds: named.slice(1).map((id) => id.toUpperCase()),
      line: e.line,
      featureScore: featureScore(reader, install, e, where),
    };
  });
  return { section: section.name, manufacturer, decoration, line: section.line, models };
}

export function parseInf(bytes: Uint8Array, file: string): InfFile {
  const { text, encoding } = decodeInf(bytes);
  const doc = parseInfSyntax(text, file);
  const reader: InfReader = new InfReader(doc, file);
  const found = placeholders(doc);
  if (/\.inx$/i.test(file)) {
    const first = found[0];
    reader.fail(
      first?.line ?? 1,
      first?.where ?? '',
      `an .inx is a stampinf template${first ? ` (placeholder ${first.text})` : ''}, not a driver: build or stamp it into an .inf (stampinf -f FILE.inx -a amd64) and import that`,
    );
  }
  const unstampable = found.find((p) => p.text !== '$ARCH$');
  if (unstampable) reader.fail(unstampable.line, unstampable.where, `unstamped template placeholder ${unstampable.text}; only $ARCH$ can be read without stampinf`);

  const version = reader.section('Version');
  if (!version) reader.fail(1, '[Version]', 'the INF has no [Version] section');
  const signature = reader.value(version, 'Signature');
  if (!signature || !/^\$(windows nt|chicago|windows 95)\$$/i.test(signature.text)) {
    reader.fail(signature?.entry.line ?? version.line, `[${version.name}] Signature`, `found ${signature ? `"${signature.text}"` : 'none'}; allowed: "$Windows NT$" or "$Chicago$"`);
  }
  const driverVer = parseDriverVer(reader, version);

  const manufacturer = reader.section('Manufacturer');
  if (!manufacturer || manufacturer.entries.length === 0) reader.fail(version.line, '[Manufacturer]', 'the INF has no [Manufacturer] entries, so it installs no device');
  let stamped: InfStamping | undefined;
  const manufacturers: InfFile['manufacturers'] = [];
  const modelsSections: InfModelsSection[] = [];
  for (const e of manufacturer.entries) {
    const where = `[${manufacturer.name}] ${e.key ?? e.values[0]}`;
    const name = reader.expand(e.key ?? e.values[0], e, where).trim();
    const [modelsName, ...decorationTexts] = (e.key === undefined ? [e.values[0]] : e.values).map((v) => reader.expand(v, e, where).trim());
    const decorations: TargetOsDecoration[] = [];
    for (const text of decorationTexts.filter((t) => t !== '')) {
      const readAs = text.includes('$ARCH$') ? STAMPED_ARCHITECTURES.map((a) => text.replace('$ARCH$', a.slice(2))) : [text];
      if (readAs.length > 1) stamped = { line: e.line, placeholder: text, readAs };
      for (const t of readAs) {
        const d = parseDecoration(t);
        if (!d) reader.fail(e.line, where, `TargetOSVersion "${text}" is not NT[x86|amd64|arm|arm64|ia64][.major[.minor[.productType[.suiteMask[.build]]]]]`);
        const section = reader.section(`${modelsName}.${text}`);
        if (!section) reader.fail(e.line, where, `models section [${modelsName}.${text}] is missing`);
        decorations.push(d);
        modelsSections.push(parseModels(reader, section, name, d));
      }
    }
    const undecorated = reader.section(modelsName);
    if (undecorated) modelsSections.push(parseModels(reader, undecorated, name));
    else if (decorations.length === 0) reader.fail(e.line, where, `models section [${modelsName}] is missing`);
    manufacturers.push({ name, modelsSection: modelsName, decorations, line: e.line });
  }
  return {
    file,
    encoding,
    signature: signature.text,
    provider: reader.value(version, 'Provider')?.text,
    class: reader.value(version, 'Class')?.text,
    classGuid: reader.value(version, 'ClassGUID')?.text.toLowerCase(),
    driverVer,
    catalogFile: reader.value(version, 'CatalogFile')?.text,
    manufacturers,
    modelsSections,
    stamped,
  };
}

export async function readInf(path: string, signal?: AbortSignal): Promise<InfFile> {
  return parseInf(await readFile(path, { signal }), path);
}
