import type { Logger } from "../log.js";
import type { LeaseStore } from "../store/index.js";

export interface LeadershipOptions {
  leases: LeaseStore;
  /** The lease's name (one per project: "controller"). */
  lease: string;
  /** This replica, unique among them (host, pid, random). */
  holder: string;
  /** This replica's API URL, recorded with the lease so followers forward to it. */
  url: () => string;
  /** How long a lease lasts without renewal: the takeover bound after a leader dies. */
  ttlMs: number;
  /** Elected: start leading (controller, notifier). Leadership is held while it runs. */
  onElected: (epoch: number) => Promise<void>;
  /** The lease was lost (taken over, or not renewable for a whole ttl): stop acting now. */
  onLost: (reason: string) => void;
  logger: Logger;
  clock?: () => number;
}

/**
 * Leader election for a highly available control plane. Every ttl/4 the leader renews its lease
 * and a follower tries to take an expired one. A leader that cannot renew for a whole ttl (the
 * database unreachable, the process paused) must assume another took over: fencing refuses its
 * writes anyway, and onLost ends it.
 */
export class Leadership {
  private current: number | undefined;
  private leaderUrl: string | undefined;
  private lastRenewed = 0;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private lost = false;
  private readonly clock: () => number;

  constructor(private readonly options: LeadershipOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** The epoch this replica leads at, or undefined while it follows (the fence reads it). */
  get epoch(): number | undefined {
    return this.lost ? undefined : this.current;
  }

  /** The leader's API URL as last read (undefined while nobody leads, or when this one does). */
  get leader(): string | undefined {
    return this.epoch === undefined ? this.leaderUrl : undefined;
  }

  /** First attempt now (so a lone replica leads at once), then every ttl/4. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = undefined));
    }, Math.max(50, Math.floor(this.options.ttlMs / 4)));
  }

  /** Stop beating; a leader gives its lease up, so a follower takes over at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.beating;
    const epoch = this.epoch;
    this.current = undefined;
    if (epoch !== undefined)
      await this.options.leases
        .release(this.options.lease, this.options.holder, epoch)
        .catch((error: unknown) => this.options.logger.warn({ err: error }, "could not release the lease"));
  }

  private async beat(): Promise<void> {
    const { leases, lease, holder, ttlMs, logger } = this.options;
    if (this.lost) return;
    try {
      if (this.current !== undefined) {
        if (await leases.renew(lease, holder, this.current, ttlMs)) this.lastRenewed = this.clock();
        else this.lose(`the lease was taken over (epoch ${this.current} ended)`);
        return;
      }
      const won = await leases.acquire(lease, holder, ttlMs, this.options.url());
      if (!won) {
        this.leaderUrl = (await leases.current(lease))?.url;
        return;
      }
      this.current = won.epoch;
      this.lastRenewed = this.clock();
      logger.info({ epoch: won.epoch, holder }, "elected leader: running the controllers and the notifier");
      // Not awaited: renewals go on while the controller resumes its rollouts.
      this.options.onElected(won.epoch).catch((error: unknown) =>
        this.lose(`could not start leading: ${(error as Error).message}`),
      );
    } catch (error) {
      if (this.current !== undefined && this.clock() - this.lastRenewed > ttlMs)
        this.lose(`the lease could not be renewed for ${ttlMs} ms (${(error as Error).message})`);
      else logger.warn({ err: error }, "lease beat failed; will retry");
    }
  }

  private lose(reason: string): void {
    if (this.lost) return;
    this.lost = true;
    this.options.logger.error({ epoch: this.current, reason }, "leadership lost");
    this.options.onLost(reason);
  }
}
