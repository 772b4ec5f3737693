import { expect } from 'chai';
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../scenarios/index.js';
import { WimFile } from '../wim/wim-file.js';
import { buildOsImage } from './build.js';
import { wimContentHash } from './content-hash.js';
import { loadOsImageSpec, parseOsImageSpec } from './spec.js';
import { OS_VERSION_MARKER } from './windows-tree.js';

const SPEC = `osImage:
  product: Windows 11
  version: "10.0.22631.2861"
  architecture: x64
  systemSize: 256KB
  timestamp: 2024-01-09T00:00:00Z
  images:
    - name: Windows 11 Enterprise
      edition: Enterprise
    - name: Windows 11 Education
      edition: Education
      description: Windows 11 Education (lab)
`;

describe('images/os-image: OS image builder', function () {
  let dir: string;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'osdlab-osimage-'));
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds a two-index WIM with a Windows-like tree, edition markers and XML properties', async function () {
    const spec = parseOsImageSpec(SPEC, join(dir, 'spec.yaml'));
    const built = await buildOsImage(spec, { cacheDir: join(dir, 'cache') });
    expect(built.images.map((i) => i.name)).to.deep.equal(['Windows 11 Enterprise', 'Windows 11 Education']);
    const wim = WimFile.open(built.wimPath);
    try {
      const paths = new Set(wim.listDirTree(2).map((e) => e.path));
      for (const p of ['/Windows/System32/ntoskrnl.exe', '/Windows/System32/config/SYSTEM', '/Windows/System32/config/SOFTWARE', '/Windows/INF/machine.inf', '/Users/Default/NTUSER.DAT', '/Program Files', '/Program Files (x86)', '/Windows/Boot/EFI/bootmgfw.efi', `/${OS_VERSION_MARKER}`]) {
        expect(paths.has(p), p).to.equal(true);
      }
      expect(wim.images()[1].description).to.equal('Windows 11 Education (lab)');
      expect(wim.imageProperty(1, 'WINDOWS/EDITIONID')).to.equal('Enterprise');
      expect(wim.imageProperty(2, 'FLAGS')).to.equal('Education');
      expect(wim.imageProperty(2, 'WINDOWS/VERSION/BUILD')).to.equal('22631');
      expect(wim.listDirTree(1, { details: true }).every((e) => e.details?.lastWriteTimeNs === BigInt(Date.parse('2024-01-09T00:00:00Z')) * 1_000_000n)).to.equal(true);
      const target = join(dir, 'applied');
      await mkdir(target);
      await wim.extractImage(2, target);
      expect(JSON.parse(await readFile(join(target, OS_VERSION_MARKER), 'utf8'))).to.deep.equal({
        caption: 'Microsoft Windows 11 Education',
        version: '10.0.22631',
        revision: 2861,
        edition: 'Education',
        architecture: 'x64',
        language: 'en-US',
      });
      expect((await readFile(join(target, 'Windows/System32/config/SOFTWARE'))).subarray(0, 4).toString()).to.equal('regf');
    } finally {
      wim.close();
    }
    // The editions share their system files: the WIM stores them once.
    const { stdout } = await execa('wimlib-imagex', ['info', built.wimPath]);
    expect(Number(/Size:\s+(\d+) bytes/.exec(stdout)?.[1])).to.be.lessThan(built.images[0].totalBytes);
  });

  it('gives the same content hash when the same spec is built twice', async function () {
    const spec = parseOsImageSpec(SPEC, join(dir, 'spec.yaml'));
    const first = await buildOsImage(spec, { cacheDir: join(dir, 'twice-1') });
    const second = await buildOsImage(spec, { cacheDir: join(dir, 'twice-2') });
    expect(second.fromCache).to.equal(false);
    expect(second.specHash).to.equal(first.specHash);
    expect(second.contentHash).to.equal(first.contentHash);
    expect(wimContentHash(second.wimPath)).to.equal(wimContentHash(first.wimPath));
    const guid = (p: string) => {
      const wim = WimFile.open(p);
      try {
        return wim.summary().guid;
      } finally {
        wim.close();
      }
    };
    expect(guid(second.wimPath)).to.equal(guid(first.wimPath));

    const other = parseOsImageSpec(SPEC.replace('2861', '2862'), join(dir, 'spec.yaml'));
    const changed = await buildOsImage(other, { cacheDir: join(dir, 'twice-1') });
    expect(changed.specHash).to.not.equal(first.specHash);
    expect(changed.contentHash).to.not.equal(first.contentHash);
  });

  it('serves a built spec from the cache, and lays an overlay directory over every index', async function () {
    const spec = parseOsImageSpec(SPEC, join(dir, 'spec.yaml'));
    const cacheDir = join(dir, 'cached');
    const built = await buildOsImage(spec, { cacheDir });
    const again = await buildOsImage(spec, { cacheDir });
    expect(again).to.deep.equal({ ...built, fromCache: true });

    const payload = join(dir, 'payload');
    await mkdir(join(payload, 'osdlab'), { recursive: true });
    await writeFile(join(payload, 'osdlab', 'agent.sh'), '#!/bin/sh\n');
    const withPayload = await buildOsImage(spec, { cacheDir, overlayDir: payload });
    expect(withPayload.specHash).to.not.equal(built.specHash);
    const wim = WimFile.open(withPayload.wimPath);
    try {
      for (const index of [1, 2]) expect(wim.listDirTree(index).map((e) => e.path)).to.include('/osdlab/agent.sh');
    } finally {
      wim.close();
    }
    await writeFile(join(payload, 'osdlab', 'agent.sh'), '#!/bin/sh\nexit 0\n');
    expect((await buildOsImage(spec, { cacheDir, overlayDir: payload })).specHash, 'an overlay edit is a new spec').to.not.equal(withPayload.specHash);
    expect((await stat(join(cacheDir, `${built.specHash.slice(0, 32)}.wim`))).isFile()).to.equal(true);
    let error: unknown;
    await buildOsImage(spec, { cacheDir, overlayDir: join(dir, 'no-such-payload') }).catch((e) => (error = e));
    expect(error).to.be.instanceOf(InputError);
    expect(String((error as Error).message)).to.match(/^overlay: overlay directory .*no-such-payload does not exist or is not a directory$/);
  });

  it('reports spec mistakes with file, line, column, field path, what was found and what is allowed', async function () {
    const file = join(dir, 'bad.yaml');
    const bad = SPEC.replace('architecture: x64', 'architecture: arm64').replace('edition: Education', 'edition: Edu cation').replace('  images:', '  colour: blue\n  images:');
    await writeFile(file, bad);
    let error: unknown;
    await loadOsImageSpec(file).catch((e) => (error = e));
    expect(error).to.be.instanceOf(InputError);
    const lines = (error as Error).message.split('\n');
    expect(lines).to.include(`${file}:4:17 osImage.architecture: found "arm64"; allowed: x64, x86`);
    expect(lines).to.include(`${file}:7:3 osImage.colour: unknown field "colour"; allowed: product, version, architecture, language, compression, timestamp, systemSize, overlay, images`);
    expect(lines).to.include(`${file}:12:16 osImage.images[1].edition: found "Edu cation"; expected an EditionID such as Enterprise or Education (letters and digits)`);

    expect(() => parseOsImageSpec(SPEC.replace('"10.0.22631.2861"', '10.0'), file)).to.throw(InputError, 'osImage.version: found number 10; expected text');
    expect(() => parseOsImageSpec(SPEC.replace('name: Windows 11 Education', 'name: Windows 11 Enterprise'), file)).to.throw(InputError, /images\[1\]\.name: image name "Windows 11 Enterprise" is used twice/);
    await loadOsImageSpec(join(dir, 'nope.yaml')).catch((e) => (error = e));
    expect(String(error)).to.match(/nope\.yaml: cannot read the OS image spec: ENOENT/);
  });
});
