// Capture User State and Restore User State with a local store on the machine's own disk
// (osd-behaviours §2.10–2.11, §9 "hard links"), as USMT's scanstate/loadstate leave it:
//   copy store:      <store>\USMT\USMT.MIG, one archive of the user profiles (tar here);
//   hard-link store: <store>\USMT\File\Users\…, every profile file hard-linked (no data copied), so
//                    the data stays on the volume when Apply Operating System Image wipes the old OS
//                    around the store (ConfigMgr keeps the state path; the machine's apply does too).
// Format and Partition Disk destroys either store: Restore User State then finds nothing and fails
// with ERROR_PATH_NOT_FOUND, as the twin does. A restored local store is deleted (§2.11).
// What capture saw (every profile file's MD5) is kept, so the run can compare it with what the
// profiles hold at the end (userStateRestored).
import type { ActionOutcome, UserStateRequest } from '../../../harness/index.js';
import { EXIT } from '../../twin/index.js';
import type { GuestShell } from './guest-shell.js';
import { guestPath, lettersIn, shellQuote } from './guest-shell.js';

/** Profiles every Windows has that USMT's "all user profiles" leaves out. */
const SYSTEM_PROFILES = ['Default', 'Default User', 'Public', 'All Users'];
const MIG_FILE = 'USMT/USMT.MIG';
const HARD_LINK_ROOT = 'USMT/File';

/** A volume mounted in the guest, as the machine resolves it. */
export interface StoreVolume {
  device: string;
  mount: string;
}

/** What the machine lends the user-state operations: its guest shell and its volumes. */
export interface UserStateHost {
  shell: GuestShell;
  /** The volume a drive letter names, mounted; undefined when no volume has the letter. */
  volumeOf(letter: string, signal?: AbortSignal): Promise<StoreVolume | undefined>;
  /** The Windows volume (the applied OS; C: in the full OS), mounted; undefined without one. */
  windowsVolume(signal?: AbortSignal): Promise<StoreVolume | undefined>;
}

/** One captured profile file: path under the Windows volume (Users/…) → MD5. */
export type ProfileManifest = Map<string, string>;

/** How the restored profiles compare with what capture saw. */
export interface UserStateComparison {
  captured: number;
  missing: string[];
  changed: string[];
}

const fail = (exitCode: number, ...output: string[]): ActionOutcome => ({ exitCode, output });

/** `md5sum` lines ("<hash>  <path>") as a manifest. */
export function parseManifest(lines: string[]): ProfileManifest {
  const manifest: ProfileManifest = new Map();
  for (const line of lines) {
    const m = /^([0-9a-f]{32}) [ *](.+)$/.exec(line);
    if (m) manifest.set(m[2]!.replace(/^\.\//, ''), m[1]!);
  }
  return manifest;
}

/** What of `captured` is missing or different in `now` (files added since do not count). */
export function compareManifests(captured: ProfileManifest, now: ProfileManifest): UserStateComparison {
  const missing: string[] = [];
  const changed: string[] = [];
  for (const [path, hash] of captured) {
    const seen = now.get(path);
    if (seen === undefined) missing.push(path);
    else if (seen !== hash) changed.push(path);
  }
  return { captured: captured.size, missing, changed };
}

/** Shell: the user profile folders under `Users` of the volume at `root`, one per line (relative). */
function profilesScript(root: string): string {
  const skip = SYSTEM_PROFILES.map((p) => `! -name ${shellQuote(p)}`).join(' ');
  return `cd ${shellQuote(root)} && { [ -d Users ] && find Users -mindepth 1 -maxdepth 1 -type d ${skip} | sort; true; }`;
}

/** Shell: MD5 of every file under the given folders of `root`. */
function manifestScript(root: string, folders: string[]): string {
  if (folders.length === 0) return 'true';
  return `cd ${shellQuote(root)} && find ${folders.map(shellQuote).join(' ')} -type f -exec md5sum {} +`;
}

/** The local state stores of one machine: where the last capture put its store, and what it held. */
export class LocalStateStores {
  /** The capture's store: its volume and folder (relative to the volume root). */
  private store?: { device: string; folder: string; hardLinks: boolean };
  private captured?: ProfileManifest;
  private restored = false;

  /** Top-level folders Apply Operating System must keep on the volume `device` (the store's). */
  keptOnWipe(device: string): string[] {
    return this.store && this.store.device === device ? [this.store.folder.split('/')[0]!] : [];
  }

  /** Format and Partition Disk rewrote these devices: a store on them is gone. */
  volumesLost(devices: string[]): void {
    if (this.store && devices.includes(this.store.device)) this.store = undefined;
  }

  async run(request: UserStateRequest, host: UserStateHost, signal?: AbortSignal): Promise<ActionOutcome> {
    if (request.storeLocation !== 'local') {
      return fail(EXIT.notSupported, 'a state migration point store is not reachable from QEMU machines yet (the site servers are not wired into QEMU runs); use a local store (OSDStateStorePath on the disk)');
    }
    const path = request.storePath ?? '';
    const letter = lettersIn(path)[0];
    if (!letter) return fail(EXIT.pathNotFound, `the local state store path "${path}" names no drive`);
    const volume = await host.volumeOf(letter, signal);
    if (!volume) return fail(EXIT.pathNotFound, `the local state store path ${path} is on no volume`);
    const windows = await host.windowsVolume(signal);
    if (!windows) return fail(EXIT.pathNotFound, 'no Windows installation on this computer holds user profiles');
    const store = guestPath(path).replace(/\/+$/, '');
    return request.operation === 'capture'
      ? this.capture(request, host.shell, { volume, store, windows }, signal)
      : this.restore(request, host.shell, { store, windows }, signal);
  }

  private async capture(request: UserStateRequest, shell: GuestShell, at: { volume: StoreVolume; store: string; windows: StoreVolume }, signal?: AbortSignal): Promise<ActionOutcome> {
    const { volume, store, windows } = at;
    if (request.hardLinks && volume.device !== windows.device) {
      return fail(EXIT.invalidParameter, `a hard-link store must be on the Windows volume (${windows.device}); ${store} is on ${volume.device}`);
    }
    const profiles = (await shell.must(profilesScript(windows.mount), 60, signal)).filter((l) => l.startsWith('Users/'));
    const manifest = parseManifest(await shell.must(manifestScript(windows.mount, profiles), 300, signal));
    const usmt = `${store}/USMT`;
    const quoted = profiles.map(shellQuote).join(' ');
    const write = request.hardLinks
      ? `mkdir -p ${shellQuote(`${store}/${HARD_LINK_ROOT}/Users`)}${profiles.length ? ` && cd ${shellQuote(windows.mount)} && cp -a -l ${quoted} ${shellQuote(`${store}/${HARD_LINK_ROOT}/Users/`)}` : ''}`
      : `mkdir -p ${shellQuote(usmt)} && tar -cf ${shellQuote(`${store}/${MIG_FILE}`)} -C ${shellQuote(windows.mount)}${profiles.length ? ` ${quoted}` : ' -T /dev/null'}`;
    const r = await shell.run(`rm -rf ${shellQuote(usmt)} && ${write} && sync`, 900, signal);
    if (r.exitCode !== 0) {
      const full = r.output.some((l) => /no space/i.test(l));
      return fail(full ? EXIT.diskFull : EXIT.generalFailure, `scanstate: writing the store at ${store} failed`, ...r.output.slice(-5));
    }
    const folder = store.slice(volume.mount.length + 1);
    this.store = { device: volume.device, folder, hardLinks: request.hardLinks };
    this.captured = manifest;
    this.restored = false;
    const bytes = await shell.run(`du -sk ${shellQuote(usmt)} | awk '{ print $1 * 1024 }'`, 60, signal);
    return {
      exitCode: EXIT.success,
      output: [
        `captured ${profiles.length} user profile(s), ${manifest.size} file(s), into ${request.hardLinks ? 'a hard-link' : 'a local'} store at ${store}`,
        ...profiles.map((p) => `  ${p.replace('/', '\\')}`),
        `store size ${bytes.output[0] ?? '?'} bytes${request.hardLinks ? ' (hard links: the data stays where it is)' : ''}`,
      ],
    };
  }

  private async restore(request: UserStateRequest, shell: GuestShell, at: { store: string; windows: StoreVolume }, signal?: AbortSignal): Promise<ActionOutcome> {
    const { store, windows } = at;
    const kind = await shell.run(`if [ -d ${shellQuote(`${store}/${HARD_LINK_ROOT}`)} ]; then echo links; elif [ -f ${shellQuote(`${store}/${MIG_FILE}`)} ]; then echo mig; else echo none; fi`, 60, signal);
    const found = kind.output[0];
    if (found !== 'links' && found !== 'mig') {
      return fail(EXIT.pathNotFound, `loadstate: no user state store at ${store} (a local store does not survive Format and Partition Disk)`);
    }
    if (request.hardLinks && found !== 'links') return fail(EXIT.invalidParameter, `loadstate: ${store} holds a compressed store, not a hard-link store`);
    const put =
      found === 'links'
        ? `cd ${shellQuote(`${store}/${HARD_LINK_ROOT}`)}\ncp -a -l -f . ${shellQuote(`${windows.mount}/`)}`
        : `tar -xf ${shellQuote(`${store}/${MIG_FILE}`)} -C ${shellQuote(windows.mount)}`;
    // The restored local store is deleted from its path (osd-behaviours §2.11).
    const r = await shell.run(['set -e', put, 'cd /', `rm -rf ${shellQuote(`${store}/USMT`)}`, `rmdir ${shellQuote(store)} 2>/dev/null || true`, 'sync'].join('\n'), 900, signal);
    if (r.exitCode !== 0) return fail(EXIT.generalFailure, `loadstate: restoring from ${store} failed`, ...r.output.slice(-5));
    this.store = undefined;
    this.restored = true;
    return { exitCode: EXIT.success, output: [`restored user state from ${found === 'links' ? 'the hard-link' : 'the local'} store at ${store} onto ${windows.device}; store deleted`] };
  }

  /**
   * How the profiles on the Windows volume compare with what capture saw; undefined when nothing
   * was captured or restored in this run.
   */
  async compare(host: UserStateHost, signal?: AbortSignal): Promise<UserStateComparison | undefined> {
    if (!this.captured || !this.restored) return undefined;
    const windows = await host.windowsVolume(signal);
    if (!windows) return { captured: this.captured.size, missing: [...this.captured.keys()], changed: [] };
    const folders = [...new Set([...this.captured.keys()].map((p) => p.split('/').slice(0, 2).join('/')))];
    const present = await host.shell.run(`cd ${shellQuote(windows.mount)} && for d in ${folders.map(shellQuote).join(' ')}; do [ -d "$d" ] && echo "$d"; done; true`, 60, signal);
    const now = parseManifest((await host.shell.run(manifestScript(windows.mount, present.output.filter((l) => l.startsWith('Users/'))), 300, signal)).output);
    return compareManifests(this.captured, now);
  }
}
