import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagementPointServer, UNKNOWN_COMPUTERS_COLLECTION, policyFor, type ComputerRecord, type ManagementPointServerConfig, type MpPolicy, type StatusMessage } from '../index.js';
import { tempDir } from './dp-fixture.js';

function config(statusLogPath?: string): ManagementPointServerConfig {
  return {
    siteCode: 'LAB',
    statusLogPath,
    computers: [{ name: 'PC01', mac: '52:54:00:12:34:56', smbiosGuid: '11111111-2222-3333-4444-555555555555', site: 'BRANCH', collections: ['LAB00010', 'LAB00011'], variables: { OSDComputerName: 'PC01', Role: 'computer' } }],
    collections: [
      { id: 'LAB00010', precedence: 2, variables: { Role: 'collection-2', Locale: 'en-GB' } },
      { id: 'LAB00011', precedence: 5, variables: { Locale: 'de-DE', Keyboard: 'de' } },
      { id: UNKNOWN_COMPUTERS_COLLECTION, variables: { OSDComputerName: '' } },
    ],
    deployments: [
      { id: 'LAB20001', collection: 'LAB00010', taskSequence: 'LAB00100', mandatory: false, packages: ['LAB00001'] },
      { id: 'LAB20002', collection: 'LAB00011', taskSequence: 'LAB00101', mandatory: true, packages: ['LAB00001', 'LAB00002'], allowRemoteDp: true },
      { id: 'LAB20003', collection: UNKNOWN_COMPUTERS_COLLECTION, taskSequence: 'LAB00102', mandatory: true, packages: ['LAB00001'] },
    ],
    distributionPoints: [
      { id: 'DPBRANCH', site: 'BRANCH', url: 'http://198.18.1.10', packages: ['LAB00001'] },
      { id: 'DPHQ', site: 'HQ', url: 'http://198.18.0.10', packages: ['LAB00001', 'LAB00002'] },
    ],
  };
}

async function post<T>(url: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (res.status === 204 ? undefined : await res.json()) as T };
}

describe('management point (HTTP, loopback)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let mp: ManagementPointServer;
  let url: string;

  beforeEach(async () => {
    dir = await tempDir('osdlab-mp-');
    mp = new ManagementPointServer(config(join(dir.path, 'status.log')));
    url = await mp.start();
  });
  afterEach(async () => {
    await mp.stop();
    await dir.remove();
  });

  it('gives a known computer its deployments, variables by precedence and content locations', async () => {
    const known = await post<ComputerRecord>(`${url}/mp/register`, { mac: '52-54-00-12-34-56' });
    expect(known.status).to.equal(200);
    expect(known.body).to.include({ name: 'PC01', unknown: false });
    const policy = await post<MpPolicy>(`${url}/mp/policy`, { smsGuid: known.body.smsGuid });
    expect(policy.status).to.equal(200);
    expect(policy.body.variables).to.deep.equal({ Role: 'computer', Locale: 'de-DE', Keyboard: 'de', OSDComputerName: 'PC01' });
    // Mandatory first; the remote DP only where the deployment allows it, local DP first.
    expect(policy.body.deployments).to.deep.equal([
      {
        id: 'LAB20002', taskSequence: 'LAB00101', mandatory: true,
        contentLocations: { LAB00001: ['http://198.18.1.10/SMS_DP_SMSPKG$/LAB00001'], LAB00002: ['http://198.18.0.10/SMS_DP_SMSPKG$/LAB00002'] },
      },
      { id: 'LAB20001', taskSequence: 'LAB00100', mandatory: false, contentLocations: { LAB00001: ['http://198.18.1.10/SMS_DP_SMSPKG$/LAB00001'] } },
    ]);
  });

  it('registers an unknown computer with a record and a GUID, once', async () => {
    const first = await post<ComputerRecord>(`${url}/mp/register`, { smbiosGuid: 'AAAAAAAA-0000-0000-0000-000000000001', mac: '52:54:00:00:00:99' });
    expect(first.status).to.equal(201);
    expect(first.body.unknown).to.be.true;
    expect(first.body.smsGuid).to.match(/^GUID:[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(first.body.collections).to.deep.equal([UNKNOWN_COMPUTERS_COLLECTION]);
    const again = await post<ComputerRecord>(`${url}/mp/register`, { mac: '52:54:00:00:00:99' });
    expect(again.status).to.equal(200);
    expect(again.body.smsGuid).to.equal(first.body.smsGuid);
    expect(again.body.resourceId).to.equal(first.body.resourceId);
    const policy = await post<MpPolicy>(`${url}/mp/policy`, { smsGuid: first.body.smsGuid });
    expect(policy.body.deployments.map((d) => d.id)).to.deep.equal(['LAB20003']);
    expect((await post(`${url}/mp/policy`, { smsGuid: 'GUID:NOPE' })).status).to.equal(404);
    expect((await post(`${url}/mp/register`, {})).status).to.equal(400);
  });

  it('records status messages in order and writes the status-message log', async () => {
    const { body: pc } = await post<ComputerRecord>(`${url}/mp/register`, { mac: '52:54:00:12:34:56' });
    const steps = [
      { step: '1/1', name: 'Partition Disk 0', event: 'start' },
      { step: '1/1', name: 'Partition Disk 0', event: 'end', exitCode: 0 },
      { step: '1/2', name: 'Apply Operating System', event: 'start' },
      { step: '1/2', name: 'Apply Operating System', event: 'end', exitCode: 2 },
    ];
    for (const s of steps) expect((await post(`${url}/mp/status`, { smsGuid: pc.smsGuid, deploymentId: 'LAB20002', ...s })).status).to.equal(204);
    expect((await post(`${url}/mp/status`, { smsGuid: pc.smsGuid, step: '1/3', event: 'end' })).status).to.equal(400);
    const recorded = (await (await fetch(`${url}/mp/status?smsGuid=${encodeURIComponent(pc.smsGuid)}`)).json()) as StatusMessage[];
    expect(recorded.map((m) => [m.sequence, m.step, m.event, m.exitCode])).to.deep.equal([[1, '1/1', 'start', undefined], [2, '1/1', 'end', 0], [3, '1/2', 'start', undefined], [4, '1/2', 'end', 2]]);
    expect(mp.statusMessages()).to.have.length(4);
    await mp.stop();
    const lines = (await readFile(join(dir.path, 'status.log'), 'utf8')).trim().split('\n');
    expect(lines).to.have.length(4);
    expect(lines[3]).to.match(/ PC01 GUID:\S+ LAB20002 1\/2 end 2 "Apply Operating System"$/);
  });

  it('lists content on a DP only once it is distributed (mandatory clients wait on an empty list)', () => {
    const c = config();
    const pc = { ...c.computers[0], collections: ['LAB00010'] };
    const present = new Set<string>();
    const inputs = { collections: c.collections, deployments: c.deployments, distributionPoints: c.distributionPoints, hasContent: (dp: string, pkg: string) => present.has(`${dp}/${pkg}`) };
    expect(policyFor(pc, inputs).deployments[0].contentLocations).to.deep.equal({ LAB00001: [] });
    present.add('DPHQ/LAB00001');
    // Local DP only: a remote DP with the content is not offered.
    expect(policyFor(pc, inputs).deployments[0].contentLocations).to.deep.equal({ LAB00001: [] });
    present.add('DPBRANCH/LAB00001');
    expect(policyFor(pc, inputs).deployments[0].contentLocations).to.deep.equal({ LAB00001: ['http://198.18.1.10/SMS_DP_SMSPKG$/LAB00001'] });
  });
});
