import { Command, Option } from 'commander';
import { InputError } from '../scenarios/index.js';
import {
  DEFAULT_TARGET_OS,
  deviceIdentity,
  formatRank,
  importDrivers,
  rankDrivers,
  readInf,
  whyAhead,
  type Candidate,
  type CatalogDriver,
  type InfFile,
  type TargetOs,
} from '../drivers/index.js';
import { EXIT } from './exit-codes.js';

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];

function targetOs(arch: 'x86' | 'x64', windows: string): TargetOs {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(windows);
  if (!m) throw new InputError({ path: '--windows', message: `found "${windows}"; allowed: major.minor.build, e.g. 10.0.19041` });
  return { ...DEFAULT_TARGET_OS, architecture: arch, major: Number(m[1]), minor: Number(m[2]), build: Number(m[3]) };
}

function showText(inf: InfFile): string {
  const out = [`${inf.file} (${inf.encoding})`];
  out.push(`  Provider: ${inf.provider ?? '(none)'}`, `  Class: ${inf.class ?? '(none)'} ${inf.classGuid ?? ''}`.trimEnd());
  out.push(`  DriverVer: ${inf.driverVer.date}, ${inf.driverVer.version}`, `  CatalogFile: ${inf.catalogFile ?? '(none)'}`);
  if (inf.stamped) out.push(`  note: line ${inf.stamped.line}: ${inf.stamped.placeholder} is an unstamped stampinf placeholder, read as ${inf.stamped.readAs.join(' and ')}`);
  for (const s of inf.modelsSections) {
    const as = s.decoration ? `decoration ${s.decoration.text}` : 'undecorated (x86 only, when no decoration fits)';
    out.push(`  [${s.section}] ${as}, manufacturer ${s.manufacturer}`);
    for (const m of s.models) {
      out.push(`    line ${m.line}: ${m.description} -> [${m.installSection}]${m.featureScore === 0xff ? '' : ` FeatureScore 0x${m.featureScore.toString(16)}`}`);
      out.push(`      hardware ID:    ${m.hardwareId}`);
      if (m.compatibleIds.length > 0) out.push(`      compatible IDs: ${m.compatibleIds.join(', ')}`);
    }
  }
  return out.join('\n');
}

function candidateJson(c: Candidate<CatalogDriver>, i: number, all: Candidate<CatalogDriver>[]) {
  return {
    position: i + 1,
    inf: c.driver.inf.file,
    description: c.model.description,
    section: c.section.section,
    decoration: c.section.decoration?.text ?? null,
    line: c.model.line,
    rank: formatRank(c.rank),
    signatureScore: c.signatureScore,
    featureScore: c.featureScore,
    identifierScore: c.identifierScore,
    match: c.match,
    signed: c.driver.signed,
    signature: c.driver.signature,
    driverVer: c.driver.inf.driverVer,
    reason: c.reason,
    aheadOfNext: i + 1 < all.length ? whyAhead(c, all[i + 1]) : null,
  };
}

export function addDriversCommand(program: Command, setExit: (code: number) => void): void {
  const drivers = program
    .command('drivers')
    .description('driver catalog: parse INF files and rank drivers for a device as Windows PnP does')
    .addHelpText('after', '\nExample:\n  osdlab drivers match drivers/test/fixtures/virtio-win --device "PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00" --arch x64\n');

  drivers
    .command('show')
    .description('show what an INF declares: provider, class, DriverVer, and per decoration the hardware and compatible IDs')
    .argument('<inf...>', 'INF files')
    .option('--json', 'print the parsed INF files as JSON')
    .addHelpText('after', '\nExample:\n  osdlab drivers show netkvm.inf --json\n')
    .action(async (files: string[], opts: { json?: boolean }) => {
      const infs = [];
      for (const f of files) infs.push(await readInf(f));
      process.stdout.write(opts.json ? `${JSON.stringify(infs, null, 2)}\n` : `${infs.map(showText).join('\n\n')}\n`);
    });

  drivers
    .command('match')
    .description('rank the drivers in INF files or folders for one device, with the reason for each rank (exit 1 when none matches)')
    .argument('<inf-or-folder...>', 'INF files, or folders searched for .inf files')
    .option('--device <ids>', "the device's hardware IDs, most specific first, comma-separated (repeatable)", list)
    .option('--compatible <ids>', "the device's compatible IDs, most specific first, comma-separated (repeatable)", list)
    .addOption(new Option('--arch <arch>', 'target architecture').choices(['x86', 'x64']).default('x64'))
    .option('--windows <version>', 'target Windows version major.minor.build', `${DEFAULT_TARGET_OS.major}.${DEFAULT_TARGET_OS.minor}.${DEFAULT_TARGET_OS.build}`)
    .option('--json', 'print the ranking as JSON')
    .addHelpText('after', '\nExample:\n  osdlab drivers match drivers/ --device "PCI\\VEN_8086&DEV_100E&SUBSYS_11001AF4&REV_03" --compatible "PCI\\VEN_8086&DEV_100E&REV_03,PCI\\VEN_8086&DEV_100E" --arch x86\n')
    .action(async (paths: string[], opts: { device?: string[]; compatible?: string[]; arch: 'x86' | 'x64'; windows: string; json?: boolean }) => {
      if (!opts.device?.length && !opts.compatible?.length) throw new InputError({ path: '--device', message: 'give the device\'s IDs with --device (and --compatible)' });
      const target = targetOs(opts.arch, opts.windows);
      const device = deviceIdentity(opts.device ?? [], opts.compatible ?? []);
      const { candidates, misfits } = rankDrivers(device, await importDrivers(paths), target);
      if (candidates.length === 0) setExit(EXIT.failed);
      if (opts.json) {
        const json = { device, target, candidates: candidates.map(candidateJson), misfits: misfits.map((m) => ({ inf: m.driver.inf.file, reason: m.reason })) };
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      const out = [`device ${device.name} on Windows ${opts.windows} ${target.architecture}`];
      if (candidates.length === 0) out.push('  no driver matches');
      candidates.forEach((c, i) => {
        out.push(`  ${i + 1}. ${c.driver.inf.file}: ${c.model.description}`, `     ${c.reason}`, `     ${c.driver.signature}`);
        if (i + 1 < candidates.length) out.push(`     ahead of #${i + 2}: ${whyAhead(c, candidates[i + 1])}`);
      });
      for (const m of misfits) out.push(`  not applicable: ${m.driver.inf.file}: ${m.reason}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
