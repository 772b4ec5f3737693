import { expect } from 'chai';
import { CmtraceParseError, formatCmtraceLine, parseCmtrace, SmstsLog } from './smsts-log.js';

const REAL = '<![LOG[Start executing an instruction. Instruction name: Gather local only. Instruction pointer: 1]LOG]!><time="16:53:52.899+480" date="02-07-2024" component="TSManager" context="" type="1" thread="1328" file="engine.cxx:143">';

describe('smsts.log: CMTrace format', () => {
  it('parses a real line (ts-formats §c.2), bias +480 = UTC-8', () => {
    const [line] = parseCmtrace(REAL);
    expect(line).to.include({ component: 'TSManager', type: 1, thread: 1328, file: 'engine.cxx:143' });
    expect(line.message).to.equal('Start executing an instruction. Instruction name: Gather local only. Instruction pointer: 1');
    expect(new Date(line.time).toISOString()).to.equal('2024-02-08T00:53:52.899Z');
  });
  it('writes what it parses, byte for byte', () => {
    const [line] = parseCmtrace(REAL);
    expect(formatCmtraceLine(line, 480)).to.equal(REAL);
  });
  it('reads multi-line messages, BOM and CRLF', () => {
    const text = '\uFEFF<![LOG[Failed to save the current environment block.\r\nThe parameter is incorrect. (Error: 80070057; Source: Windows)]LOG]!><time="16:53:52.899+480" date="02-07-2024" component="TSManager" context="" type="3" thread="1328" file="executionenv.cxx:836">\r\n' + REAL + '\r\n';
    const lines = parseCmtrace(text);
    expect(lines).to.have.length(2);
    expect(lines[0].message).to.match(/block\.\r\nThe parameter/);
    expect(lines[0].type).to.equal(3);
  });
  it('reports where malformed text starts', () => {
    expect(() => parseCmtrace(REAL + '\r\nnot a record')).to.throw(CmtraceParseError, /offset/);
  });
});

describe('smsts.log: rolling at SMSTSLogMaxSize', () => {
  it('rolls to smsts-YYYYMMDD-HHMMSS.log and keeps every line once', () => {
    let t = Date.UTC(2026, 0, 5, 9, 0, 0);
    const log = new SmstsLog({ now: () => (t += 1500), maxSizeBytes: 2000 });
    for (let i = 0; i < 40; i++) log.info(`line ${i}`, 'test.cpp:1');
    const files = log.files();
    expect(files.length).to.be.greaterThan(2);
    expect(files.at(-1)!.name).to.equal('smsts.log');
    for (const f of files.slice(0, -1)) {
      expect(f.name).to.match(/^smsts-\d{8}-\d{6}\.log$/);
      expect(Buffer.byteLength(f.text, 'utf8')).to.be.at.most(2000 + 3);
    }
    const messages = files.flatMap((f) => parseCmtrace(f.text)).map((l) => l.message);
    expect(messages).to.deep.equal(Array.from({ length: 40 }, (_, i) => `line ${i}`));
  });
});

describe('smsts.log: text not kept (capacity clients)', () => {
  it('counts every line but reads no clock, formats nothing and has no files', () => {
    let clockReads = 0;
    const log = new SmstsLog({ now: () => ++clockReads, keepText: false, maxSizeBytes: 100 });
    for (let i = 0; i < 50; i++) log.info(`line ${i}`, 'test.cpp:1');
    log.error('failed', 'test.cpp:2');
    expect(log.lines).to.equal(51);
    expect(clockReads).to.equal(0);
    expect(log.files()).to.deep.equal([]);
  });
});
