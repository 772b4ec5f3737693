// Management point over HTTP (JSON; docs/site-servers.md): computers look themselves up and are
// registered when unknown (a record and a GUID, as ConfigMgr's unknown-computer support gives),
// fetch policy, and send status messages (step start/end, exit code) that the run records in
// order and appends to a status-message log.
//   POST /mp/register {mac?, smbiosGuid?, name?}            → 200 known / 201 registered
//   POST /mp/policy   {smsGuid}                             → MpPolicy
//   POST /mp/status   {smsGuid, deploymentId?, step, name?, event, exitCode?, message?} → 204
//   GET  /mp/status[?smsGuid=…]                            → recorded status messages

import { randomUUID } from 'node:crypto';
import { HttpError, HttpService, field, optionalField, readJson, sendJson, type Exchange, type ServiceOptions } from '../http/service.js';
import { LineFile } from '../http/line-file.js';
import { findComputer, policyFor, type MpCollection, type MpComputer, type MpDeployment, type MpDistributionPoint, type MpPolicy } from './policy.js';

/** ConfigMgr's "All Unknown Computers" collection. */
export const UNKNOWN_COMPUTERS_COLLECTION = 'SMS000US';

export interface ManagementPointServerConfig extends ServiceOptions {
  siteCode: string;
  computers: MpComputer[];
  collections: MpCollection[];
  deployments: MpDeployment[];
  distributionPoints: MpDistributionPoint[];
  /** Site (boundary) given to computers registered as unknown. Default: the first DP's site. */
  unknownComputerSite?: string;
  /** Whether a DP has a package now; default: the DP's `packages` plus distribute() calls. */
  hasContent?: (dpId: string, packageId: string) => boolean;
  /** Cost between sites for ordering remote DPs (default 0). */
  siteCost?: Record<string, Record<string, number>>;
  /** Status messages are appended here, one line each. */
  statusLogPath?: string;
}

export interface ComputerRecord extends MpComputer {
  /** The client's SMS unique ID, "GUID:…". */
  smsGuid: string;
  resourceId: number;
  /** Registered by the MP because no record matched (an unknown computer). */
  unknown: boolean;
}

export interface StatusMessage {
  /** Order of arrival, from 1. */
  sequence: number;
  received: string;
  smsGuid: string;
  computer: string;
  deploymentId?: string;
  /** Step path or name as the agent reports it. */
  step: string;
  name?: string;
  event: 'start' | 'end';
  exitCode?: number;
  message?: string;
}

/** First resource ID handed out; ConfigMgr's start at 2^24. */
const FIRST_RESOURCE_ID = 16_777_220;

export class ManagementPointServer extends HttpService {
  private readonly computers: ComputerRecord[];
  private readonly distributed = new Set<string>();
  private readonly messages: StatusMessage[] = [];
  private readonly statusLog?: LineFile;
  private nextResourceId = FIRST_RESOURCE_ID;

  constructor(readonly config: ManagementPointServerConfig) {
    super(config);
    this.computers = config.computers.map((c) => this.newRecord(c, false));
    if (config.statusLogPath) this.statusLog = new LineFile(config.statusLogPath);
  }

  /** A computer's record (also those registered as unknown). */
  computer(smsGuid: string): ComputerRecord | undefined {
    return this.computers.find((c) => c.smsGuid === smsGuid);
  }

  /** Looks a computer up by SMBIOS GUID or MAC; an unknown computer is registered. */
  register(key: { mac?: string; smbiosGuid?: string; name?: string }): { record: ComputerRecord; created: boolean } {
    if (!key.mac && !key.smbiosGuid) throw new HttpError(400, 'a lookup needs "mac" or "smbiosGuid"');
    const found = findComputer(this.computers, key);
    if (found) return { record: found, created: false };
    const site = this.config.unknownComputerSite ?? this.config.distributionPoints[0]?.site ?? this.config.siteCode;
    const name = key.name ?? `MININT-${randomUUID().slice(0, 7).toUpperCase()}`;
    const record = this.newRecord({ name, mac: key.mac, smbiosGuid: key.smbiosGuid, site, collections: [UNKNOWN_COMPUTERS_COLLECTION] }, true);
    this.computers.push(record);
    return { record, created: true };
  }

  policy(smsGuid: string): MpPolicy {
    const computer = this.computer(smsGuid);
    if (!computer) throw new HttpError(404, `no computer with SMS unique ID ${smsGuid} at site ${this.config.siteCode}`);
    const costs = this.config.siteCost;
    return policyFor(computer, {
      collections: this.config.collections,
      deployments: this.config.deployments,
      distributionPoints: this.config.distributionPoints,
      hasContent: this.config.hasContent ?? ((dp, pkg) => this.distributed.has(`${dp}/${pkg}`) || !!this.config.distributionPoints.find((d) => d.id === dp)?.packages.includes(pkg)),
      siteCost: costs ? (from, to) => costs[from]?.[to] ?? 0 : undefined,
    });
  }

  /** Content reached a DP (a scenario event): content locations include it from now on. */
  distribute(dpId: string, packageId: string): void {
    this.distributed.add(`${dpId}/${packageId}`);
  }

  /** Status messages in order of arrival. */
  statusMessages(smsGuid?: string): StatusMessage[] {
    return this.messages.filter((m) => smsGuid === undefined || m.smsGuid === smsGuid);
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.statusLog?.close();
  }

  protected override async handle(x: Exchange): Promise<void> {
    const path = x.url.pathname;
    x.resource = path;
    if (path === '/mp/status' && x.req.method === 'GET') {
      sendJson(x.res, 200, this.statusMessages(x.url.searchParams.get('smsGuid') ?? undefined));
      return;
    }
    if (x.req.method !== 'POST') throw new HttpError(405, `${x.req.method} ${path} is not allowed`);
    const body = await readJson(x.req);
    if (path === '/mp/register') {
      const { record, created } = this.register({ mac: optionalField(body, 'mac'), smbiosGuid: optionalField(body, 'smbiosGuid'), name: optionalField(body, 'name') });
      sendJson(x.res, created ? 201 : 200, record);
    } else if (path === '/mp/policy') {
      sendJson(x.res, 200, this.policy(field(body, 'smsGuid')));
    } else if (path === '/mp/status') {
      this.recordStatus(body);
      x.res.writeHead(204).end();
    } else {
      throw new HttpError(404, `no such path on the management point: ${path}`);
    }
  }

  private recordStatus(body: unknown): void {
    const smsGuid = field(body, 'smsGuid');
    const computer = this.computer(smsGuid);
    if (!computer) throw new HttpError(404, `no computer with SMS unique ID ${smsGuid}`);
    const event = field(body, 'event');
    if (event !== 'start' && event !== 'end') throw new HttpError(400, `field "event" must be "start" or "end", found "${event}"`);
    const exitCode = (body as { exitCode?: unknown }).exitCode;
    if (exitCode !== undefined && !Number.isInteger(exitCode)) throw new HttpError(400, 'field "exitCode" must be an integer');
    if (event === 'end' && exitCode === undefined) throw new HttpError(400, 'an "end" status message needs "exitCode"');
    const message: StatusMessage = {
      sequence: this.messages.length + 1,
      received: new Date().toISOString(),
      smsGuid,
      computer: computer.name,
      deploymentId: optionalField(body, 'deploymentId'),
      step: field(body, 'step'),
      name: optionalField(body, 'name'),
      event,
      exitCode: exitCode as number | undefined,
      message: optionalField(body, 'message'),
    };
    this.messages.push(message);
    this.statusLog?.write([message.received, message.computer, message.smsGuid, message.deploymentId ?? '-', message.step, event, message.exitCode ?? '-', JSON.stringify(message.name ?? '')].join(' '));
  }

  private newRecord(c: MpComputer, unknown: boolean): ComputerRecord {
    return { ...c, smsGuid: `GUID:${randomUUID().toUpperCase()}`, resourceId: this.nextResourceId++, unknown };
  }
}
