import { expect } from 'chai';
import { hpLaptopFacts } from './test/condition-fixtures.js';
import { likeMatch, parseWql, runWql, WqlError } from './wql.js';

describe('WQL subset', () => {
  const facts = hpLaptopFacts();
  const count = (q: string) => runWql('root\\cimv2', q, facts).length;

  it('parses SELECT lists, WHERE with AND/OR/NOT, parentheses and every comparison', () => {
    expect(parseWql(`select Model, Name from Win32_ComputerSystem`)).to.deep.equal({ className: 'Win32_ComputerSystem', properties: ['Model', 'Name'], where: undefined });
    expect(count(`SELECT * FROM Win32_ComputerSystem WHERE NOT (Manufacturer = 'Dell' OR Manufacturer = 'Lenovo') AND Model != 'x'`)).to.equal(1);
    expect(count(`SELECT * FROM Win32_ComputerSystem WHERE Manufacturer NOT LIKE 'HP%'`)).to.equal(0);
    expect(count(`SELECT * FROM Win32_BIOS WHERE SMBIOSBIOSVersion IS NOT NULL`)).to.equal(1);
    expect(count(`SELECT * FROM Win32_Processor WHERE MaxClockSpeed > 2000 AND MaxClockSpeed <= 2400`)).to.equal(1);
    expect(count(`SELECT * FROM Win32_LogicalDisk WHERE DeviceID = 'C:' AND FreeSpace >= 100000000000`)).to.equal(1);
    expect(count(`SELECT * FROM Win32_NetworkAdapter WHERE MACAddress = '52:54:00:12:34:56'`)).to.equal(1);
    expect(count(`SELECT * FROM win32_computersystem WHERE model = 'it''s'`)).to.equal(0);
  });

  it('answers the ConfigMgr client\'s SMS_Processor in root\\cimv2\\sms only', () => {
    expect(runWql('root\\cimv2\\sms', 'SELECT * FROM SMS_Processor WHERE Is64Bit = TRUE AND IsMobile = FALSE', facts)).to.have.length(1);
    expect(runWql('\\\\.\\root\\CIMV2\\SMS', 'SELECT * FROM SMS_Processor WHERE NormSpeed >= 2400', facts)).to.have.length(1);
    expect(() => runWql('root\\cimv2', 'SELECT * FROM SMS_Processor', facts)).to.throw(WqlError, /SMS_Processor is not in the machine model's root\\cimv2/);
    expect(() => runWql('root\\cimv2\\sms', 'SELECT * FROM Win32_BIOS', facts)).to.throw(WqlError, /known: SMS_Processor/);
  });

  it('rejects what it cannot read with a message saying what was expected', () => {
    const error = (q: string) => {
      try {
        runWql('root\\cimv2', q, facts);
      } catch (err) {
        expect(err).to.be.instanceOf(WqlError);
        return (err as Error).message;
      }
      throw new Error('expected a WqlError');
    };
    expect(error('DELETE FROM Win32_BIOS')).to.equal('expected SELECT in the WQL query, found "DELETE"');
    expect(error('SELECT * FROM Win32_BIOS WHERE')).to.match(/expected a property name in the WHERE clause, found the end/);
    expect(error('SELECT * FROM Win32_BIOS WHERE (SerialNumber = 1')).to.equal('missing ")" in the WQL query');
    expect(error('SELECT * FROM Win32_BIOS WHERE SerialNumber ~ 1')).to.match(/cannot read the WQL query at "~ 1"/);
    expect(error('SELECT Foo FROM Win32_BIOS')).to.match(/property Win32_BIOS\.Foo is not in the machine model \(known: SMBIOSBIOSVersion, SerialNumber\)/);
    expect(error('SELECT * FROM Win32_DiskDrive WHERE Size > \'big\'')).to.match(/cannot compare .* as numbers/);
  });

  it('LIKE supports %, _ and [sets], case-insensitively', () => {
    expect(likeMatch('HP EliteBook', 'hp%')).to.equal(true);
    expect(likeMatch('HP', 'H_')).to.equal(true);
    expect(likeMatch('HP', 'H_P')).to.equal(false);
    expect(likeMatch('Model 840', 'Model [78]40')).to.equal(true);
    expect(likeMatch('Model 940', 'Model [^9]40')).to.equal(false);
    expect(likeMatch('a.b(c)', 'a.b(c)')).to.equal(true);
    expect(likeMatch('axb', 'a.b')).to.equal(false);
  });
});
