import { expect } from 'chai';
import fc from 'fast-check';
import { parseBandwidth, parseDuration, parsePercent, parseSize } from '../index.js';

const value = (r: ReturnType<typeof parseSize>) => (r.ok ? r.value : r.message);

describe('quantities with units', () => {
  it('sizes count in powers of two, as Windows and ConfigMgr do', () => {
    expect(value(parseSize('500MB'))).to.equal(500 * 2 ** 20);
    expect(value(parseSize('4GB'))).to.equal(4 * 2 ** 30);
    expect(value(parseSize('1.5TiB'))).to.equal(1.5 * 2 ** 40);
    expect(value(parseSize('512 B'))).to.equal(512);
  });

  it('bandwidth is decimal bits per second; latency and durations are milliseconds; loss a fraction', () => {
    expect(value(parseBandwidth('100Mbit'))).to.equal(100e6);
    expect(value(parseBandwidth('1Gbit/s'))).to.equal(1e9);
    expect(value(parseDuration('20ms'))).to.equal(20);
    expect(value(parseDuration('10m'))).to.equal(600_000);
    expect(value(parseDuration('1.5h'))).to.equal(5_400_000);
    expect(value(parsePercent('0.5%'))).to.equal(0.005);
  });

  it('says what is wrong and what is allowed', () => {
    expect(value(parseSize('4GX'))).to.match(/^"4GX" is not a size; use a number with one of B, KB, MB, GB, TB/);
    expect(value(parseSize('4'))).to.match(/is not a size/);
    expect(value(parseBandwidth('-100Mbit'))).to.equal('"-100Mbit" is not allowed; the bandwidth must be greater than zero');
    expect(value(parseBandwidth('0Gbit'))).to.match(/greater than zero/);
    expect(value(parseBandwidth('100MB'))).to.match(/is not a bandwidth; .*bit, kbit, Mbit, Gbit/);
    expect(value(parsePercent('101%'))).to.match(/out of range; allowed: 0% to 100%/);
    expect(value(parsePercent('0.5'))).to.match(/is not a percentage/);
  });

  it('round-trips any written size and bandwidth (property)', () => {
    const units = { KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TiB: 2 ** 40 };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(...(Object.keys(units) as Array<keyof typeof units>)), (n, unit) => {
        expect(value(parseSize(`${n}${unit}`))).to.equal(n * units[unit]);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), (n) => {
        expect(value(parseBandwidth(`${n}kbit`))).to.equal(n * 1000);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const parse of [parseSize, parseBandwidth, parseDuration, parsePercent]) {
          const r = parse(text);
          expect(r.ok ? Number.isFinite(r.value) && r.value >= 0 : r.message.length > 0).to.equal(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
