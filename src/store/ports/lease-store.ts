/**
 * The leader lease of a highly available control plane (PostgreSQL only). One row per lease name;
 * its epoch grows by one whenever the lease changes hands, and fenced writes (see
 * src/store/postgres/database.ts, Fence) check it in their own transaction. Times are the
 * database's clock, so replicas on hosts whose clocks differ agree on when a lease expires.
 */
export interface Lease {
  name: string;
  holder: string;
  epoch: number;
  /** Epoch ms, database clock. */
  expiresAt: number;
  /** Where the holder serves its API (followers forward to it). */
  url?: string;
}

export interface LeaseStore {
  /**
   * Take the lease for `ttlMs` when it is free, expired or already `holder`'s (the epoch grows
   * unless `holder` still held it). Undefined while another holder's lease is live.
   */
  acquire(name: string, holder: string, ttlMs: number, url?: string): Promise<Lease | undefined>;
  /** Extend `holder`'s lease at `epoch`; false when it was lost (expired and taken, or released). */
  renew(name: string, holder: string, epoch: number, ttlMs: number): Promise<boolean>;
  /** The lease as stored (possibly expired), or undefined before anyone took it. */
  current(name: string): Promise<(Lease & { expired: boolean }) | undefined>;
  /** Give the lease up now (clean shutdown), so a follower need not wait for it to expire. */
  release(name: string, holder: string, epoch: number): Promise<void>;
  /**
   * Record that the leader at `epoch` takes on sending notification `key`: true the first time,
   * false when some leader already claimed it. Fenced: false too once `epoch` lost the lease.
   */
  claim(lease: string, epoch: number, key: string): Promise<boolean>;
}
