// A disk whose tables are damaged is still read: scoring needs to say what is there, not crash.
import { expect } from 'chai';
import fc from 'fast-check';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeMbr } from '../mbr.js';
import { readDiskLayout } from '../read-disk.js';
import { MIB, scratchForSuite } from './helpers.js';

describe('lab/qemu/disk reader on damaged tables', function () {
  this.timeout(30_000);
  const scratch = scratchForSuite(['qemu-img']);

  it('any MBR entries (pointing anywhere, extended chains, 0x42 without a database, 0xEE without a GPT) read without an error', async () => {
    const image = join(scratch(), 'fuzz.img');
    const entry = fc.record({
      active: fc.boolean(),
      type: fc.oneof(fc.constantFrom(0x07, 0x0c, 0x0f, 0x05, 0x42, 0xee), fc.integer({ min: 0, max: 255 })),
      startLba: fc.oneof(fc.integer({ min: 0, max: 2047 }), fc.integer({ min: 0, max: 0xffffffff })),
      sectors: fc.oneof(fc.integer({ min: 0, max: 2048 }), fc.integer({ min: 0, max: 0xffffffff })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 4 }), fc.uint8Array({ minLength: 512, maxLength: 512 }), async (entries, noise) => {
        const disk = Buffer.alloc(MIB);
        // Noise where a GPT header, the MBR PRIVHEAD and low EBRs or boot sectors would be.
        for (const sector of [1, 2, 6, 63]) Buffer.from(noise).copy(disk, sector * 512);
        encodeMbr(entries, 0x1234).copy(disk, 0);
        await writeFile(image, disk);
        const layout = await readDiskLayout(image);
        const protective = entries.some((e) => e.type === 0xee);
        expect(layout.style).to.equal(protective ? 'raw' : 'mbr');
        if (!protective) expect(layout.dynamic).to.equal(entries.some((e) => e.type === 0x42 && e.sectors > 0));
      }),
      { numRuns: 50 },
    );
  });
});
