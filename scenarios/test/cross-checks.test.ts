import { expect } from 'chai';
import { InputError, parseScenario } from '../index.js';

async function problems(text: string): Promise<string[]> {
  try {
    await parseScenario('/virtual/x.yaml', text);
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('scenario cross-checks', () => {
  it('reports references to things the file does not define, with what it does define', async () => {
    expect(
      await problems(`
site:
  boundaries: [{ name: HQ, subnet: 198.18.0.0/24 }]
  distributionPoints: [{ name: DP01, boundary: HQ }]
content:
  osImages: [{ id: LAB00003, name: OS, size: 4GB, distributionPoints: [DP02] }]
collections: [{ name: C1, members: [PC09] }]
computers: [{ name: PC01, mac: 52:54:00:00:00:01 }]
deployments:
  - { name: D1, collection: C2, bootImage: LAB00001, taskSequence: { steps: [] } }
machines:
  - { name: PC01, boundary: BRANCH, media: USB }
`),
    ).to.deep.equal([
      '6:72 content.osImages[0].distributionPoints[0]: "DP02" is not a distribution point defined in this file; allowed: DP01',
      '7:37 collections[0].members[0]: "PC09" is not a computer record defined in this file; allowed: PC01',
      '10:29 deployments[0].collection: "C2" is not a collection defined in this file; allowed: C1',
      '10:44 deployments[0].bootImage: "LAB00001" is not a boot image defined in this file; the file defines no boot image',
      '12:29 machines[0].boundary: "BRANCH" is not a boundary defined in this file; allowed: HQ',
      '12:44 machines[0].media: "USB" is not a media defined in this file; the file defines no media',
    ]);
  });

  it('applies ConfigMgr rules: download-all is not for PXE/media deployments; records need MAC or GUID', async () => {
    expect(
      await problems(`
collections: [{ name: C1, unknownComputers: true }]
computers: [{ name: PC01 }]
deployments:
  - name: D1
    collection: C1
    availableTo: mediaAndPxe
    contentDownload: downloadAll
    taskSequence: { steps: [] }
`),
    ).to.deep.equal([
      '3:13 computers[0]: a computer record needs a mac or an smbiosGuid (Import Computer Information requires one)',
      '8:22 deployments[0].contentDownload: "downloadAll" cannot be used when the deployment is available to media and PXE (ConfigMgr rejects it); allowed here: downloadOnDemand, accessFromDp',
    ]);
  });

  it('checks events: one action each, known package, distribution point and machine', async () => {
    expect(
      await problems(`
site:
  distributionPoints: [{ name: DP01 }]
content:
  packages: [{ id: LAB00005, name: Client, size: 95MB }]
machines: [{ name: PC01 }]
events:
  - { at: 10m, distributeContent: LAB00005 }
  - { at: 10m, powerOff: PC01, powerOn: PC01 }
  - { at: 1h, clearLastPxeDeployment: PC02 }
  - { at: 1h, removeContent: LAB00006, from: DP01 }
`),
    ).to.deep.equal([
      '8:5 events[0]: distributeContent needs "to": the distribution point',
      '9:5 events[1]: an event has exactly one action; found powerOn, powerOff; allowed: distributeContent, removeContent, clearLastPxeDeployment, powerOn, powerOff',
      '10:39 events[2].clearLastPxeDeployment: "PC02" is not a machine defined in this file; allowed: PC01',
      '11:30 events[3].removeContent: "LAB00006" is not a package ID defined in this file; allowed: LAB00005',
    ]);
  });

  it('requires the installed OS to sit on a partition of disk 0, and content to have a size or source', async () => {
    expect(
      await problems(`
content:
  packages: [{ id: LAB00005, name: Client }]
machines:
  - name: PC01
    installedOs: { caption: Windows 10, version: 10.0.19045 }
`),
    ).to.deep.equal([
      '3:14 content.packages[0]: content needs a "size", a "source", or both',
      '6:18 machines[0].installedOs.partition: disk 0 has no partition 1 to hold the installed OS; give disks[0].layout',
    ]);
  });

  it("checks the installed OS's image and client cache against the content", async () => {
    expect(
      await problems(`
content:
  osImages: [{ id: LAB00003, name: OS, size: 4GB }]
  packages: [{ id: LAB00005, name: Client, size: 95MB }]
machines:
  - name: PC01
    disks: [{ size: 64GB, layout: { style: gpt, partitions: [{ type: primary, size: 100%, fileSystem: ntfs }] } }]
    installedOs: { caption: Windows 10, version: 10.0.19045, image: { id: LAB00005 }, clientCache: [LAB00005, LAB00009] }
`),
    ).to.deep.equal([
      '8:75 machines[0].installedOs.image.id: "LAB00005" is not a package ID of an OS image defined in this file; allowed: LAB00003',
      '8:111 machines[0].installedOs.clientCache[1]: "LAB00009" is not a package ID defined in this file; allowed: LAB00003, LAB00005',
    ]);
  });

  it("reports a string where a map belongs and a map where a list belongs in the user's words", async () => {
    expect(
      await problems(`
site: HQ
machines: { name: PC01 }
`),
    ).to.deep.equal(['2:7 site: found text "HQ"; allowed: a map', '3:11 machines: found a map; allowed: a list']);
  });
});
