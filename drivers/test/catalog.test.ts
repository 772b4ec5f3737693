import { expect } from 'chai';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../scenarios/index.js';
import { importDrivers } from '../index.js';
import { infText, VIRTIO } from './helpers.js';

describe('driver import', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osdlab-import-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const inf = (catalogFile?: string) =>
    infText(`${catalogFile ? `CatalogFile=${catalogFile}\n` : ''}[Manufacturer]\nM=M,NTamd64\n[M.NTamd64]\n%D%=I,PCI\\VEN_1AF4&DEV_1000\n[Strings]\nD="First device"\n`);

  it('finds .inf files in subfolders, one driver each, named after the first device, with categories', async () => {
    await mkdir(join(dir, 'Net', 'Intel'), { recursive: true });
    await writeFile(join(dir, 'Net', 'Intel', 'a.INF'), inf());
    await writeFile(join(dir, 'b.inf'), inf());
    await writeFile(join(dir, 'ignored.inx'), 'not read');
    const drivers = await importDrivers([dir], { categories: ['Production'], enabled: false });
    expect(drivers.map((d) => d.id.split(/[\\/]/).slice(-2).join('/'))).to.deep.equal(['Intel/a.INF', `${dir.split(/[\\/]/).pop()}/b.inf`]);
    expect(drivers[0]).to.include({ name: 'First device', enabled: false, signed: false });
    expect(drivers[0].categories).to.deep.equal(['Production']);
    expect(drivers[0].signature).to.equal('unsigned: the INF names no CatalogFile');
  });

  it('counts a driver as signed when its CatalogFile is beside the INF (any case)', async () => {
    await writeFile(join(dir, 'n.inf'), inf('n.cat'));
    expect((await importDrivers([join(dir, 'n.inf')]))[0].signed).to.equal(false);
    await writeFile(join(dir, 'N.CAT'), '');
    const [driver] = await importDrivers([join(dir, 'n.inf')]);
    expect(driver.signed).to.equal(true);
    expect(driver.signature).to.equal('signed: catalog N.CAT is present (its signature is not verified here)');
  });

  it('reports a missing path, a folder without INF files and a named .inx as input errors', async () => {
    await expectInputError(importDrivers([join(dir, 'nope')]), /nope: no such file or folder/);
    await expectInputError(importDrivers([dir]), /the folder holds no \.inf file/);
    await expectInputError(importDrivers([`${VIRTIO}vioscsi.inx`]), /vioscsi\.inx:42 \[DestinationDirs\]/);
  });

  it('stops when the signal is aborted', async () => {
    await writeFile(join(dir, 'b.inf'), inf());
    const controller = new AbortController();
    controller.abort();
    let error: unknown;
    await importDrivers([dir], { signal: controller.signal }).catch((e: unknown) => (error = e));
    expect((error as Error).name).to.equal('AbortError');
  });
});

async function expectInputError(p: Promise<unknown>, message: RegExp) {
  let error: unknown;
  await p.catch((e: unknown) => (error = e));
  expect(error).to.be.instanceOf(InputError);
  expect((error as Error).message).to.match(message);
}
