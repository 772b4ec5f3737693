// The dynamic disk writer judged by independent readers: ldmtool (libldm) for the LDM database,
// sfdisk/sgdisk for the partition tables; then by our own reader. The guest kernel's view is in
// dynamic-disk-guest.test.ts.
import { expect } from 'chai';
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { GPT_TYPE } from '../../../twin/index.js';
import { InputError } from '../../../../scenarios/index.js';
import { layoutDynamicDisk, writeDynamicDisk, type DynamicDiskRequest } from '../dynamic-disk.js';
import { decodeDatabase, decodePrivHead } from '../ldm-database.js';
import { readDiskImage, readDiskLayout } from '../read-disk.js';
import { ldmtool, MIB, rawImage, sfdiskJson, scratchForSuite } from './helpers.js';

const VOLUMES: DynamicDiskRequest['volumes'] = [
  { name: 'System', sizeBytes: 48 * MIB, fileSystem: 'ntfs', label: 'Windows' },
  { sizeBytes: 40 * MIB, fileSystem: 'fat32', label: 'Tools' },
  { name: 'Scratch', sizeBytes: 'remaining' },
];

interface LdmVolume {
  name: string;
  type: string;
  size: number;
  partitions: string[];
}

describe('lab/qemu/disk dynamic disk writer', function () {
  this.timeout(60_000);
  const scratch = scratchForSuite(['ldmtool', 'sfdisk', 'sgdisk', 'mkfs.vfat', 'mkntfs', 'qemu-img']);

  for (const style of ['mbr', 'gpt'] as const) {
    it(`${style.toUpperCase()}: ldmtool finds the disk group, the disk and each simple volume with its size and extent`, async () => {
      const image = await rawImage(join(scratch(), `${style}.img`), 256 * MIB);
      const layout = await writeDynamicDisk(image, { style, volumes: VOLUMES, diskGroupName: 'PC0042Dg0' });
      const group = layout.privHead.diskGroupGuid;
      expect(await ldmtool(image, 'scan')).to.deep.equal([group]);
      expect(await ldmtool(image, 'show', 'diskgroup', group)).to.deep.include({ name: 'PC0042Dg0', guid: group, volumes: ['System', 'Volume2', 'Scratch'], disks: ['Disk1'] });
      const disk = (await ldmtool(image, 'show', 'disk', group, 'Disk1')) as Record<string, unknown>;
      expect(disk).to.deep.include({ guid: layout.privHead.diskGuid, 'data-start': layout.privHead.logicalDiskStart, 'metadata-size': 2048 });
      for (const [i, v] of layout.volumes.entries()) {
        const vol = (await ldmtool(image, 'show', 'volume', group, v.name)) as LdmVolume;
        expect(vol).to.deep.include({ name: v.name, type: 'simple', size: v.sizeBytes / 512, partitions: [`Disk1-0${i + 1}`] });
        const part = (await ldmtool(image, 'show', 'partition', group, `Disk1-0${i + 1}`)) as { start: number; size: number };
        expect(part.start + layout.privHead.logicalDiskStart).to.equal(v.offsetBytes / 512);
        expect(part.size).to.equal(v.sizeBytes / 512);
      }
      expect(layout.volumes.map((v) => v.sizeBytes)).to.deep.equal([48 * MIB, 40 * MIB, layout.volumes[2]!.sizeBytes]);
      const end = layout.volumes[2]!.offsetBytes + layout.volumes[2]!.sizeBytes;
      expect(end).to.equal((layout.privHead.logicalDiskStart + layout.privHead.logicalDiskSectors) * 512);
    });

    it(`${style.toUpperCase()}: the partition table is what Windows writes, and our reader lists the volumes with file systems and labels`, async () => {
      const image = await rawImage(join(scratch(), `${style}-read.img`), 256 * MIB);
      const layout = await writeDynamicDisk(image, { style, volumes: VOLUMES });
      const table = await sfdiskJson(image);
      if (style === 'mbr') {
        expect(table.partitions).to.have.length(1);
        expect(table.partitions[0]).to.deep.include({ start: 2048, size: 256 * 2048 - 2048, type: '42' });
      } else {
        expect(table.partitions.map((p) => [p.type, p.name])).to.deep.equal([
          [GPT_TYPE.ldmMetadata, 'LDM metadata partition'],
          [GPT_TYPE.ldmData, 'LDM data partition'],
        ]);
        expect(table.partitions[0]!.size).to.equal(2048);
        expect((await execa('sgdisk', ['-v', image])).stdout).to.match(/No problems found/);
      }
      const facts = await readDiskImage(image);
      expect(facts).to.deep.include({ style, dynamic: true });
      const typeId = style === 'mbr' ? '42' : GPT_TYPE.ldmData;
      expect(facts.partitions).to.deep.equal([
        { number: 1, type: 'primary', typeId, offsetBytes: layout.volumes[0]!.offsetBytes, sizeBytes: 48 * MIB, active: false, fileSystem: 'ntfs', label: 'Windows' },
        { number: 2, type: 'primary', typeId, offsetBytes: layout.volumes[1]!.offsetBytes, sizeBytes: 40 * MIB, active: false, fileSystem: 'fat32', label: 'TOOLS' },
        { number: 3, type: 'primary', typeId, offsetBytes: layout.volumes[2]!.offsetBytes, sizeBytes: layout.volumes[2]!.sizeBytes, active: false },
      ]);
      const read = await readDiskLayout(image);
      expect(read.ldm).to.deep.include({ diskGroup: { name: 'OSDLABDg0', guid: layout.privHead.diskGroupGuid } });
    });
  }

  it('GPT with an ESP and an MSR: laid out as Windows leaves a converted disk, and read back as the twin models it', async () => {
    const image = await rawImage(join(scratch(), 'gpt-esp.img'), 512 * MIB);
    const layout = await writeDynamicDisk(image, { style: 'gpt', efiSystemPartition: { sizeBytes: 100 * MIB, label: 'SYSTEM' }, msrSizeBytes: 16 * MIB, volumes: VOLUMES });
    const table = await sfdiskJson(image);
    expect(table.partitions.map((p) => [p.type, p.start, p.size])).to.deep.equal([
      [GPT_TYPE.efiSystem, 2048, 100 * 2048],
      [GPT_TYPE.ldmMetadata, 101 * 2048, 2048],
      [GPT_TYPE.microsoftReserved, 102 * 2048, 16 * 2048],
      [GPT_TYPE.ldmData, 118 * 2048, layout.privHead.logicalDiskSectors],
    ]);
    expect((await execa('sgdisk', ['-v', image])).stdout).to.match(/No problems found/);
    const group = layout.privHead.diskGroupGuid;
    expect(await ldmtool(image, 'show', 'diskgroup', group)).to.deep.include({ volumes: ['System', 'Volume2', 'Scratch'] });
    expect(await ldmtool(image, 'show', 'disk', group, 'Disk1')).to.deep.include({ 'data-start': 118 * 2048, 'metadata-start': 101 * 2048 });
    const facts = await readDiskImage(image);
    expect(facts.partitions.map((p) => [p.number, p.type, p.typeId, p.fileSystem, p.label])).to.deep.equal([
      [1, 'efi', GPT_TYPE.efiSystem, 'fat32', 'SYSTEM'],
      [2, 'msr', GPT_TYPE.microsoftReserved, undefined, undefined],
      [3, 'primary', GPT_TYPE.ldmData, 'ntfs', 'Windows'],
      [4, 'primary', GPT_TYPE.ldmData, 'fat32', 'TOOLS'],
      [5, 'primary', GPT_TYPE.ldmData, undefined, undefined],
    ]);
    expect(() => layoutDynamicDisk(64 * MIB, { style: 'mbr', msrSizeBytes: 16 * MIB, volumes: [{ sizeBytes: MIB }] })).to.throw(InputError, /exist only on GPT disks/);
  });

  it('writes through qemu-img into a qcow2: the same volumes, and ldmtool reads its raw conversion', async () => {
    const qcow2 = join(scratch(), 'disk,1.qcow2');
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2, '256M']);
    const layout = await writeDynamicDisk(qcow2, { style: 'mbr', volumes: VOLUMES });
    const raw = join(scratch(), 'from-qcow2.img');
    await execa('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', qcow2, raw]);
    expect(await ldmtool(raw, 'scan')).to.deep.equal([layout.privHead.diskGroupGuid]);
    expect((await readDiskImage(qcow2)).partitions).to.deep.equal((await readDiskImage(raw)).partitions);
    expect((await readDiskImage(qcow2)).partitions.map((p) => p.label)).to.deep.equal(['Windows', 'TOOLS', undefined]);
  });

  for (const layout of ['spanned', 'striped', 'mirrored', 'raid5'] as const) {
    it(`refuses a ${layout} volume with the ConfigMgr rule, and leaves the disk alone`, async () => {
      const image = await rawImage(join(scratch(), `${layout}.img`), 16 * MIB);
      const err = await writeDynamicDisk(image, {
        style: 'gpt',
        volumes: [{ sizeBytes: 8 * MIB }, { sizeBytes: 16 * MIB, layout }],
        source: { file: 'lab.yaml', path: 'machines[0].disks[0].volumes' },
      }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InputError);
      expect((err as InputError).message).to.equal(
        `lab.yaml machines[0].disks[0].volumes[1].layout: found a ${layout} volume; allowed: simple. Configuration Manager supports only simple volumes on dynamic disks: images cannot be captured from or applied to spanned, striped, mirrored or RAID-5 volumes`,
      );
      expect((await readFile(image)).equals(Buffer.alloc(16 * MIB))).to.be.true;
    });
  }

  it('refuses sizes that are not whole sectors, "remaining" before the last volume, and volumes that do not fit', () => {
    const err = (volumes: DynamicDiskRequest['volumes']) => (() => layoutDynamicDisk(64 * MIB, { style: 'mbr', volumes })) as () => void;
    expect(err([{ sizeBytes: 1000 }])).to.throw(InputError, /volumes\[0\]\.sizeBytes: found 1000; allowed: a positive multiple of 512 bytes/);
    expect(err([{ sizeBytes: 'remaining' }, { sizeBytes: MIB }])).to.throw(InputError, /volumes\[0\]\.sizeBytes/);
    expect(err([{ sizeBytes: 40 * MIB }, { sizeBytes: 40 * MIB }])).to.throw(InputError, /volumes\[1\]\.sizeBytes: found 41943040; only 23068672 bytes are left/);
    expect(err([])).to.throw(InputError, /no volumes/);
  });

  it('an aborted signal stops the writer before it touches the disk', async () => {
    const image = await rawImage(join(scratch(), 'aborted.img'), 16 * MIB);
    const err = await writeDynamicDisk(image, { style: 'mbr', volumes: [{ sizeBytes: 8 * MIB }] }, AbortSignal.abort(new Error('run cancelled'))).catch((e: Error) => e);
    expect(err).to.be.instanceOf(Error);
    expect((await readFile(image)).equals(Buffer.alloc(16 * MIB))).to.be.true;
  });

  it('is a pure function of its inputs: fixed ids and time give the same bytes', () => {
    const request: DynamicDiskRequest = {
      style: 'gpt',
      volumes: [{ sizeBytes: 8 * MIB }],
      ids: { disk: '11111111-2222-3333-4444-555555555555', diskGroup: '66666666-7777-8888-9999-aaaaaaaaaaaa', host: 'bbbbbbbb-cccc-dddd-eeee-ffffffffffff', volumes: ['01234567-89ab-cdef-0123-456789abcdef'], gptDisk: 'ABCDEF01-2345-6789-ABCD-EF0123456789', gptPartitions: ['00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002'] },
      createdAt: new Date('2026-01-01T00:00:00Z'),
    };
    const a = layoutDynamicDisk(64 * MIB, request);
    const b = layoutDynamicDisk(64 * MIB, request);
    expect(Buffer.concat(a.writes.map((w) => w.data)).equals(Buffer.concat(b.writes.map((w) => w.data)))).to.be.true;
    expect(a.writes.map((w) => w.offsetBytes)).to.deep.equal(b.writes.map((w) => w.offsetBytes));
  });

  it('database round trip: any set of simple volumes decodes to the records written (names up to the VBLK limit)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.stringMatching(/^[A-Za-z0-9 _-]{1,100}$/), mib: fc.integer({ min: 1, max: 64 }) }), { minLength: 1, maxLength: 12 }),
        fc.constantFrom('mbr' as const, 'gpt' as const),
        (vols, style) => {
          const layout = layoutDynamicDisk(1024 * MIB, { style, volumes: vols.map((v) => ({ name: v.name, sizeBytes: v.mib * MIB })) });
          const area = layout.writes.find((w) => w.offsetBytes === layout.privHead.configStart * 512)!.data;
          const privHead = decodePrivHead(area.subarray(2047 * 512, 2048 * 512))!;
          expect(privHead).to.deep.equal(layout.privHead);
          expect(decodeDatabase(privHead, area).records).to.deep.equal(layout.records);
        },
      ),
      { numRuns: 60 },
    );
  });
});
