// State migration point over HTTP (osd-behaviours §7.3–7.6; JSON API in docs/site-servers.md).
// Every request names the computer (x-osdlab-computer) and connects with the computer account,
// or with the network access account (HTTP Basic) when the client falls back to it.
//   POST /smp/request {operation: "capture"|"restore"}  Request State Store → {storePath}
//   PUT  /smp/store/<source>   the captured state (a tar stream), sealed at rest
//   GET  /smp/store/<source>   the state, for the associated destination only
//   POST /smp/release          Release State Store; after a restore starts the deletion policy

import { statfs } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { InputError } from '../../../scenarios/index.js';
import { captureRefusal, stateSource } from '../../twin/index.js';
import { HttpError, HttpService, field, readJson, sendJson, type Exchange, type ServiceOptions } from '../http/service.js';
import { isWithin, MemoryKeyStore, type SmpKeyStore } from './keys.js';
import { openSealed, writeSealed } from './sealed-file.js';
import { UserStateStores, type SmpFolder, type StoreRecord } from './stores.js';

export interface StateMigrationPointServerConfig extends ServiceOptions {
  id: string;
  site: string;
  folders: SmpFolder[];
  /** Refuses new captures, still serves restores. */
  restoreOnly?: boolean;
  /** Days a released store is kept; 0 = "Immediately". Default 1. */
  deleteAfterDays?: number;
  /** Computer associations: source computer → destination computer. */
  associations?: Record<string, string>;
  /** Computer accounts have rights on the SMP's shares. Default true; false = only the network access account. */
  computerAccountAccess?: boolean;
  networkAccessAccount?: { user: string; password: string };
  /** Where per-association keys live; never inside an SMP folder. Default: memory. */
  keyStore?: SmpKeyStore;
  /** Retry-After on a busy answer (seconds). Default 5. */
  retryAfterSeconds?: number;
  /** Clock for the deletion policy (ms since the epoch). Default Date.now. */
  now?: () => number;
}

type Account = 'computer' | 'networkAccessAccount';

interface Connection {
  operation: 'capture' | 'restore';
  folder: SmpFolder;
}

const COMPUTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const DAY_MS = 86_400_000;
/** How often a long upload re-checks the folder's free space. */
const FREE_CHECK_BYTES = 8 * 1024 * 1024;
const SWEEP_MS = 60_000;

export class StateMigrationPointServer extends HttpService {
  readonly stores: UserStateStores;
  private readonly keys: SmpKeyStore;
  private readonly connections = new Map<string, Connection>();
  private readonly now: () => number;
  private sweeper?: NodeJS.Timeout;

  constructor(readonly config: StateMigrationPointServerConfig) {
    super(config);
    this.stores = new UserStateStores(config.folders);
    this.keys = config.keyStore ?? new MemoryKeyStore();
    this.now = config.now ?? Date.now;
    const keyDir = this.keys.directory;
    config.folders.forEach((f, i) => {
      if (keyDir && (isWithin(keyDir, f.path) || isWithin(f.path, keyDir))) {
        throw new InputError({ path: `stateMigrationPoints[${config.id}].folders[${i}].path`, message: `found "${f.path}", which holds the key store "${keyDir}"; keys are never stored beside the data: use separate folders` });
      }
    });
  }

  override async start(): Promise<string> {
    await this.stores.load();
    const url = await super.start();
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), SWEEP_MS).unref();
    return url;
  }

  override async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await super.stop();
  }

  /** Applies the deletion policy now (also runs every minute and before each request). */
  async sweep(): Promise<string[]> {
    const removed = await this.stores.sweep(this.now());
    for (const r of removed) await this.keys.delete(r.associationId);
    return removed.map((r) => r.source);
  }

  protected override async handle(x: Exchange): Promise<void> {
    await this.sweep();
    const path = x.url.pathname;
    x.resource = path.slice(1);
    const { computer, account } = this.identify(x);
    if (path === '/smp/request' && x.req.method === 'POST') return this.request(x, computer, account);
    if (path === '/smp/release' && x.req.method === 'POST') return this.release(x, computer);
    if (path.startsWith('/smp/store/')) {
      const source = decodeURIComponent(path.slice('/smp/store/'.length));
      if (x.req.method === 'PUT') return this.upload(x, computer, source);
      if (x.req.method === 'GET') return this.restore(x, computer, source);
    }
    throw new HttpError(404, `no such request on state migration point ${this.config.id}: ${x.req.method} ${path}`);
  }

  private identify(x: Exchange): { computer: string; account: Account } {
    const computer = x.req.headers['x-osdlab-computer'];
    if (typeof computer !== 'string' || !COMPUTER_NAME.test(computer)) throw new HttpError(400, 'header x-osdlab-computer must name the computer (1–63 of A-Z, a-z, 0-9, ".", "_", "-")');
    const auth = x.req.headers.authorization;
    if (auth) {
      const naa = this.config.networkAccessAccount;
      const [user, password] = Buffer.from(auth.replace(/^Basic\s+/i, ''), 'base64').toString('utf8').split(':');
      if (!naa || user !== naa.user || password !== naa.password) {
        throw new HttpError(401, `access denied: the network access account was refused by state migration point ${this.config.id}`, { code: 'accessDenied', retryable: false });
      }
      return { computer, account: 'networkAccessAccount' };
    }
    if (this.config.computerAccountAccess === false) {
      throw new HttpError(403, `access denied: computer account ${computer}$ has no rights on state migration point ${this.config.id}`, { code: 'accessDenied', retryable: false });
    }
    return { computer, account: 'computer' };
  }

  private async request(x: Exchange, computer: string, account: Account): Promise<void> {
    const operation = field(await readJson(x.req), 'operation');
    if (operation === 'capture') {
      const folder = await this.captureFolder(computer);
      this.connections.set(computer, { operation, folder });
      sendJson(x.res, 200, { operation, account, storePath: `${this.url}/smp/store/${encodeURIComponent(computer)}` });
      return;
    }
    if (operation !== 'restore') throw new HttpError(400, `field "operation" must be "capture" or "restore", found "${operation}"`);
    const record = this.restorable(computer, stateSource(this.config.associations, computer));
    const folder = this.stores.folders.find((f) => f.path === record.folder)!;
    this.connections.set(computer, { operation, folder });
    sendJson(x.res, 200, { operation, account, source: record.source, bytes: record.bytes, storePath: `${this.url}/smp/store/${encodeURIComponent(record.source)}` });
  }

  /** The folder that takes this computer's capture: where its store is, else the first with room. */
  private async captureFolder(computer: string): Promise<SmpFolder> {
    const existing = this.stores.get(computer)?.folder;
    const order = [...this.stores.folders].sort((a, b) => Number(b.path === existing) - Number(a.path === existing));
    let first: { retryable: boolean; reason: string } | undefined;
    for (const folder of order) {
      const refused = captureRefusal(this.config.id, this.config.restoreOnly, {
        clients: [...this.connections.values()].filter((c) => c.folder === folder).length,
        alreadyConnected: this.connections.get(computer)?.folder === folder,
        maxClients: folder.maxClients,
        freeBytes: await this.stores.freeBytes(folder),
        minFreeBytes: folder.minFreeBytes,
      });
      if (!refused) return folder;
      first ??= refused;
    }
    const r = first ?? { retryable: false, reason: `state migration point ${this.config.id} has no folders` };
    throw new HttpError(r.retryable ? 503 : 403, r.reason, { retryable: r.retryable, code: this.config.restoreOnly ? 'restoreOnly' : 'unavailable' }, r.retryable ? { 'retry-after': String(this.config.retryAfterSeconds ?? 5) } : {});
  }

  /** The store `computer` may restore: only the association's destination (or the source itself for a refresh). */
  private restorable(computer: string, source: string): StoreRecord {
    const record = this.stores.get(source);
    if (!record || record.releasedAt) {
      throw new HttpError(404, `no user state stored for ${computer} (no computer association or store)`, { code: 'noStore', retryable: false });
    }
    if (record.destination !== computer) {
      throw new HttpError(403, `the user state of ${source} is associated with ${record.destination}; ${computer} may not restore it`, { code: 'notAssociated', retryable: false });
    }
    return record;
  }

  private async upload(x: Exchange, computer: string, source: string): Promise<void> {
    if (source !== computer) throw new HttpError(403, `${computer} may not write the user state of ${source}`, { code: 'notAssociated' });
    const connection = this.connections.get(computer);
    if (connection?.operation !== 'capture') throw new HttpError(409, `Request State Store (capture) was not run for ${computer}`, { code: 'notRequested' });
    const folder = connection.folder;
    const destination = this.config.associations?.[computer] ?? computer;
    const associationId = `${computer}>${destination}`;
    const declared = Number(x.req.headers['content-length'] ?? 0);
    const free = await this.stores.freeBytes(folder);
    if (free - declared < folder.minFreeBytes) throw this.full(folder);
    let checked = 0;
    const check = async (bytes: number) => {
      x.bytes = bytes;
      if (bytes - checked < FREE_CHECK_BYTES) return;
      checked = bytes;
      const s = await statfs(folder.path);
      if (s.bavail * s.bsize < folder.minFreeBytes) throw this.full(folder);
    };
    const key = await this.keys.getOrCreate(associationId);
    let sealed;
    try {
      await this.stores.storeDir(folder, computer);
      sealed = await writeSealed(this.stores.dataPath({ folder: folder.path, source: computer }), x.req, key, associationId, check);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, `the upload of the user state of ${computer} broke after ${x.bytes} bytes; the previous store is kept`, { code: 'uploadBroken' });
    }
    const record: StoreRecord = { source: computer, destination, associationId, folder: folder.path, bytes: sealed.bytes, sha256: sealed.sha256, capturedAt: new Date(this.now()).toISOString() };
    await this.stores.save(record);
    sendJson(x.res, 201, { source: computer, destination, bytes: sealed.bytes, sha256: sealed.sha256 });
  }

  private full(folder: SmpFolder): HttpError {
    return new HttpError(507, `state migration point ${this.config.id} is full: less than the minimum free space (${folder.minFreeBytes} bytes) left in ${folder.path}; the previous store is kept`, { code: 'full', retryable: false });
  }

  private async restore(x: Exchange, computer: string, source: string): Promise<void> {
    if (this.connections.get(computer)?.operation !== 'restore') throw new HttpError(409, `Request State Store (restore) was not run for ${computer}`, { code: 'notRequested' });
    if (stateSource(this.config.associations, computer) !== source) {
      throw new HttpError(403, `${computer} is not associated with ${source}; it may not restore that user state`, { code: 'notAssociated' });
    }
    const record = this.restorable(computer, source);
    const key = await this.keys.get(record.associationId);
    if (!key) throw new HttpError(500, `the key of computer association ${record.associationId} is not available; the store cannot be read`, { code: 'noKey' });
    const sealed = await openSealed(this.stores.dataPath(record), key);
    x.res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': sealed.bytes, 'x-osdlab-sha256': record.sha256 });
    sealed.stream.on('data', (c: Buffer) => (x.bytes += c.length));
    await pipeline(sealed.stream, x.res);
  }

  private async release(x: Exchange, computer: string): Promise<void> {
    const connection = this.connections.get(computer);
    this.connections.delete(computer);
    let deleteAt: number | undefined;
    if (connection?.operation === 'restore') {
      const record = this.stores.get(stateSource(this.config.associations, computer));
      if (record) {
        deleteAt = this.now() + (this.config.deleteAfterDays ?? 1) * DAY_MS;
        await this.stores.save({ ...record, releasedAt: new Date(this.now()).toISOString(), deleteAt });
        await this.sweep();
      }
    }
    sendJson(x.res, 200, { released: computer, after: connection?.operation ?? 'none', deleteAt: deleteAt === undefined ? undefined : new Date(deleteAt).toISOString() });
  }
}
