// Multicast image sessions on a multicast-enabled DP (osd-behaviours §4.5): one stream at the
// configured transfer rate, whatever the number of members; a scheduled session starts at N
// joined clients or after M minutes; late joiners take the rest of the stream, then its replay,
// so each member finishes S/R after it starts receiving. Images only: drivers and packages
// stay unicast. The DP's maximum clients counts members of all its sessions together.

import type { Simulator } from '../simulator.js';

export interface MulticastConfig {
  /** Stream rate ("transfer rate"), bits/s. */
  transferRateBps: number;
  /** Members across all sessions of this DP. */
  maxClients: number;
  /** Scheduled multicast: start at this many joined clients... */
  startAtClients?: number;
  /** ...or this long after the first client joined, whichever comes first. */
  startAfterMs?: number;
}

interface Session {
  packageId: string;
  bytes: number;
  startAt?: number;
  startTimer?: number;
  waiting: (() => void)[];
  members: number;
}

export type MulticastJoin = { ok: true; done: Promise<void> } | { ok: false; reason: string };

export class MulticastService {
  private readonly sessions = new Map<string, Session>();
  private members = 0;

  constructor(
    private readonly sim: Simulator,
    readonly config: MulticastConfig,
  ) {}

  get activeMembers(): number {
    return this.members;
  }

  /** Joins (or opens) the session for an image; resolves when this member has the whole image. */
  join(packageId: string, bytes: number): MulticastJoin {
    if (this.members >= this.config.maxClients) {
      return { ok: false, reason: `multicast: the distribution point already serves ${this.config.maxClients} multicast clients` };
    }
    this.members++;
    let session = this.sessions.get(packageId);
    if (!session) {
      session = { packageId, bytes, waiting: [], members: 0 };
      this.sessions.set(packageId, session);
      if (this.config.startAtClients === undefined && this.config.startAfterMs === undefined) session.startAt = this.sim.now();
      else if (this.config.startAfterMs !== undefined) {
        const s = session;
        s.startTimer = this.sim.after(this.config.startAfterMs, () => this.startSession(s));
      }
    }
    session.members++;
    const done = this.sim.deferred<void>();
    const s = session;
    const receive = () => {
      const streamMs = (s.bytes / (this.config.transferRateBps / 8)) * 1000;
      this.sim.after(streamMs, () => {
        this.members--;
        if (--s.members === 0) this.sessions.delete(s.packageId);
        done.resolve();
      });
    };
    if (s.startAt !== undefined) receive();
    else {
      s.waiting.push(receive);
      if (this.config.startAtClients !== undefined && s.members >= this.config.startAtClients) this.startSession(s);
    }
    return { ok: true, done: done.promise };
  }

  private startSession(s: Session): void {
    if (s.startAt !== undefined) return;
    s.startAt = this.sim.now();
    if (s.startTimer !== undefined) this.sim.cancel(s.startTimer);
    for (const receive of s.waiting.splice(0)) receive();
  }
}
