import { expect } from 'chai';
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { InputError } from '../../scenarios/index.js';
import { parseInf, readInf } from '../index.js';
import { infText, LAB, VIRTIO } from './helpers.js';

function problemOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as InputError).problems[0];
  }
  expect.fail('expected an InputError');
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('INF parsing: real files', () => {
  it('reads virtio-win NetKVM: version data, and NT$ARCH$ stamped clearly for both architectures', async () => {
    const inf = await readInf(`${VIRTIO}netkvm.inf`);
    expect(inf).to.include({ provider: 'Red Hat, Inc.', class: 'Net', classGuid: '{4d36e972-e325-11ce-bfc1-08002be10318}', catalogFile: 'netkvm.cat', encoding: 'utf-8' });
    expect(inf.driverVer).to.deep.equal({ date: '2013-03-15', version: '1.0.0.0' });
    expect(inf.stamped).to.deep.equal({ line: 21, placeholder: 'NT$ARCH$', readAs: ['NTx86', 'NTamd64'] });
    expect(inf.modelsSections.map((s) => [s.section, s.decoration?.text])).to.deep.equal([
      ['RedHat.NT$ARCH$', 'NTx86'],
      ['RedHat.NT$ARCH$', 'NTamd64'],
    ]);
    expect(inf.modelsSections[1].models.map((m) => [m.line, m.description, m.installSection, m.hardwareId])).to.deep.equal([
      [24, 'Red Hat VirtIO Ethernet Adapter', 'kvmnet6.ndi', 'PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00'],
      [25, 'Red Hat VirtIO Ethernet Adapter', 'kvmnet6.ndi', 'PCI\\VEN_1AF4&DEV_1041&SUBSYS_11001AF4&REV_01'],
    ]);
  });

  it('reads virtio-win viostor: UTF-8 BOM, NTx86/NTamd64 and the undecorated section', async () => {
    const inf = await readInf(`${VIRTIO}viostor.inf`);
    expect(inf.encoding).to.equal('utf-8-bom');
    expect(inf.signature).to.equal('$Windows NT$');
    expect(inf.driverVer).to.deep.equal({ date: '2009-10-10', version: '5.3.0.17241' });
    expect(inf.class).to.equal('SCSIAdapter');
    expect(inf.manufacturers).to.have.length(1);
    expect(inf.manufacturers[0]).to.include({ name: 'Red Hat, Inc.', modelsSection: 'RHEL', line: 32 });
    expect(inf.modelsSections.map((s) => s.section)).to.deep.equal(['RHEL.NTx86', 'RHEL.NTamd64', 'RHEL']);
    for (const s of inf.modelsSections) {
      expect(s.models.map((m) => m.hardwareId)).to.deep.equal([
        'PCI\\VEN_1AF4&DEV_1001&SUBSYS_00000000',
        'PCI\\VEN_1AF4&DEV_1001&SUBSYS_00020000',
        'PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4',
      ]);
    }
  });

  it('rejects the vioscsi .inx template with file:line and section/key', async () => {
    const bytes = await readFile(`${VIRTIO}vioscsi.inx`);
    const p = problemOf(() => parseInf(bytes, 'vioscsi.inx'));
    expect(p).to.include({ file: 'vioscsi.inx', line: 42, path: '[DestinationDirs] vioscsi_Files_Driver' });
    expect(p.message).to.match(/an \.inx is a stampinf template \(placeholder INX_PLATFORM_DRIVERS_DIR\)/);
  });

  it('rejects INX placeholders other than $ARCH$ even in a file named .inf', async () => {
    const bytes = await readFile(`${VIRTIO}vioscsi.inx`);
    const p = problemOf(() => parseInf(bytes, 'vioscsi.inf'));
    expect(p).to.include({ line: 42, path: '[DestinationDirs] vioscsi_Files_Driver' });
    expect(p.message).to.match(/unstamped template placeholder INX_PLATFORM_DRIVERS_DIR/);
  });

  it('reads a UTF-16LE INF with CRLF and a continued models line', async () => {
    const inf = await readInf(`${LAB}pro1000-lab.inf`);
    expect(inf.encoding).to.equal('utf-16le');
    expect(inf.driverVer).to.deep.equal({ date: '2021-04-12', version: '12.18.9.23' });
    const s = inf.modelsSections.find((m) => m.section === 'Intel.NTamd64.10.0...17763')!;
    expect(s.decoration).to.include({ architecture: 'amd64', major: 10, minor: 0, build: 17763 });
    expect(s.models.map((m) => [m.line, m.hardwareId])).to.deep.equal([
      [23, 'PCI\\VEN_8086&DEV_100E&SUBSYS_001E8086'],
      [25, 'PCI\\VEN_8086&DEV_100E'],
      [26, 'PCI\\VEN_8086&DEV_1004&SUBSYS_10048086'],
    ]);
  });
});

describe('INF parsing: encodings and strings', () => {
  const text = infText(
    '[Manufacturer]\n%Mfg% = Models, NTamd64\n[Models.NTamd64]\n"%Desc%" = Install, pci\\ven_8086&dev_1234, PCI\\VEN_8086&CC_0200 ; comment, PCI\\X\n' +
      '[Strings]\nMFG = "Contoso ®"\ndesc = "100%% ""fast"" NIC"\n',
  );
  const encodings: [string, Buffer][] = [
    ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['utf-16be', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])],
    ['utf-8-bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(text)])],
    ['utf-8', utf8(text)],
    ['windows-1252', Buffer.from(text, 'latin1')],
  ];
  for (const [name, bytes] of encodings) {
    it(`decodes ${name} and substitutes %strkey%, %% and doubled quotes`, () => {
      const inf = parseInf(bytes, 'enc.inf');
      expect(inf.encoding).to.equal(name);
      expect(inf.manufacturers[0].name).to.equal('Contoso ®');
      const [model] = inf.modelsSections[0].models;
      expect(model).to.include({ description: '100% "fast" NIC', installSection: 'Install', hardwareId: 'PCI\\VEN_8086&DEV_1234', line: 10 });
      expect(model.compatibleIds).to.deep.equal(['PCI\\VEN_8086&CC_0200']);
    });
  }

  it('falls back to [Strings.0409] for keys [Strings] lacks', () => {
    const inf = parseInf(utf8(infText('[Manufacturer]\n%Mfg%=M,NTamd64\n[M.NTamd64]\n%D%=I,PCI\\A\n[Strings]\nMfg=X\n[Strings.0409]\nD=Localized\nMfg=Y\n')), 'l.inf');
    expect(inf.manufacturers[0].name).to.equal('X');
    expect(inf.modelsSections[0].models[0].description).to.equal('Localized');
  });

  it('keeps the IDs of generated models lines in every encoding (property)', () => {
    const id = fc.stringMatching(/^PCI\\VEN_[0-9A-F]{4}(&DEV_[0-9A-F]{4})?(&SUBSYS_[0-9A-F]{8})?$/);
    const encode = (t: string, e: number) =>
      e === 0 ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]) : e === 1 ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(t)]) : utf8(t);
    fc.assert(
      fc.property(fc.array(fc.tuple(id, fc.array(id, { maxLength: 3 })), { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), (lines, e, crlf) => {
        const models = lines.map(([hw, compat]) => `%D% = I, ${[hw.toLowerCase(), ...compat].join(', ')}`).join('\n');
        const t = infText(`[Manufacturer]\n%M%=Models,NTamd64\n[Models.NTamd64]\n${models}\n[Strings]\nM=m\nD=d\n`);
        const inf = parseInf(encode(crlf ? t.replace(/\n/g, '\r\n') : t, e), 'p.inf');
        expect(inf.modelsSections[0].models.map((m) => [m.hardwareId, m.compatibleIds])).to.deep.equal(lines.map(([hw, c]) => [hw, c]));
      }),
      { numRuns: 150 },
    );
  });
});

describe('INF parsing: malformed INFs name file:line and section/key', () => {
  const cases: { title: string; text: string; line: number; path: string; message: RegExp }[] = [
    { title: 'no [Version]', text: '[Manufacturer]\nA=B\n', line: 1, path: '[Version]', message: /no \[Version\] section/ },
    { title: 'a wrong Signature', text: '[Version]\nSignature="$Windows 3.1$"\nDriverVer=01/01/2020\n', line: 2, path: '[Version] Signature', message: /allowed: "\$Windows NT\$"/ },
    { title: 'no DriverVer', text: '[Version]\nSignature="$Windows NT$"\n[Manufacturer]\nA=B\n', line: 1, path: '[Version] DriverVer', message: /DriverVer is missing/ },
    { title: 'a DriverVer month of 13', text: '[Version]\nSignature="$Windows NT$"\nDriverVer = 13/01/2020,1.0\n', line: 3, path: '[Version] DriverVer', message: /found "13\/01\/2020,1.0"; allowed: mm\/dd\/yyyy\[,w.x.y.z\]/ },
    { title: 'an undefined %strkey%', text: infText('[Manufacturer]\n%Mfg%=M,NTamd64\n[M.NTamd64]\n%Nope%=I,PCI\\A\n[Strings]\nMfg=x\n'), line: 10, path: '[M.NTamd64] %Nope%', message: /%Nope% is not defined in \[Strings\]/ },
    { title: 'a missing models section', text: infText('[Manufacturer]\nContoso=Contoso,NTamd64\n'), line: 8, path: '[Manufacturer] Contoso', message: /models section \[Contoso.NTamd64\] is missing/ },
    { title: 'a bad decoration', text: infText('[Manufacturer]\nContoso=Contoso,NTfoo\n'), line: 8, path: '[Manufacturer] Contoso', message: /TargetOSVersion "NTfoo" is not NT\[/ },
    { title: 'a models line without hardware ID', text: infText('[Manufacturer]\nC=C,NTamd64\n[C.NTamd64]\nNIC = Install\n'), line: 10, path: '[C.NTamd64] NIC', message: /no hardware ID after the install section "Install"/ },
    { title: 'an unclosed quote', text: infText('[Strings]\nA = "open\n'), line: 8, path: '', message: /double quote is not closed/ },
    { title: 'an unclosed section header', text: infText('[Manufacturer\n'), line: 7, path: '[Manufacturer', message: /no closing "\]"/ },
    { title: 'text before the first section', text: `junk\n${infText('')}`, line: 1, path: '', message: /text before the first \[section\]: junk/ },
    { title: 'a bad FeatureScore', text: infText('[Manufacturer]\nC=C,NTamd64\n[C.NTamd64]\nNIC = Install, PCI\\A\n[Install]\nFeatureScore=0x1FF\n'), line: 12, path: '[Install] FeatureScore', message: /found "0x1FF".*allowed: a byte/ },
  ];
  for (const c of cases) {
    it(`reports ${c.title}`, () => {
      const p = problemOf(() => parseInf(utf8(c.text), 'bad.inf'));
      expect({ file: p.file, line: p.line, path: p.path }).to.deep.equal({ file: 'bad.inf', line: c.line, path: c.path });
      expect(p.message).to.match(c.message);
    });
  }

  it('accepts the old "$CHICAGO$" signature (not a stampinf placeholder) and rejects $KMDFVERSION$', () => {
    const body = '[Manufacturer]\nM=M,NTamd64\n[M.NTamd64]\nD=I,PCI\\A\n';
    const chicago = `[Version]\nSignature="$CHICAGO$"\nDriverVer=01/01/2020\n${body}`;
    expect(parseInf(utf8(chicago), 'old.inf').signature).to.equal('$CHICAGO$');
    const kmdf = `${chicago}[I.Wdf]\nKmdfLibraryVersion = $KMDFVERSION$\n`;
    expect(problemOf(() => parseInf(utf8(kmdf), 'kmdf.inf'))).to.include({ line: 9, path: '[I.Wdf] KmdfLibraryVersion' });
  });

  it('formats the error as file:line path: message', () => {
    expect(() => parseInf(utf8('[Version]\nSignature="$Windows NT$"\nDriverVer=1/2/3\n'), 'x.inf')).to.throw(InputError, /^x\.inf:3 \[Version\] DriverVer: found "1\/2\/3"/);
  });
});
