import type { Rollout } from "../core/rollout/types.js";
import type { Logger } from "../log.js";
import type { RolloutStore, StoredEvent } from "../store/ports/rollout-store.js";

/**
 * What subscribers hear: every audit event after its commit, and a rollout's document whenever it
 * changes (transitions, and new measurements of its analysis).
 */
export type ControllerChange = { kind: "event"; event: StoredEvent } | { kind: "rollout"; rollout: Rollout };

/**
 * The controller's change feed: sends each committed audit event to subscribers once, in order,
 * and rollout documents as they change. Subscribers hear what happens from their subscription on.
 */
export class ChangeFeed {
  private readonly store: Pick<RolloutStore, "events" | "eventsSince" | "getRollout">;
  private readonly log: Logger;
  private readonly listeners = new Set<(change: ControllerChange) => void>();
  /** Highest audit event sequence number already sent to subscribers. */
  private emittedSeq: number | undefined;
  /** While the first subscriber's starting point is read from the store. */
  private baseline: Promise<void> | undefined;

  constructor(store: Pick<RolloutStore, "events" | "eventsSince" | "getRollout">, log: Logger) {
    this.store = store;
    this.log = log;
  }

  /** Hear every change after it is committed. Returns the unsubscribe. */
  subscribe(listener: (change: ControllerChange) => void): () => void {
    // Subscribers hear what happens from now on (the API serves the history).
    if (this.emittedSeq === undefined) {
      this.baseline ??= this.store
        .events({ limit: 1 })
        .then((events) => {
          this.emittedSeq ??= events.at(-1)?.seq ?? 0;
        })
        .catch((error: unknown) => this.log.warn({ err: error }, "cannot read the latest audit event"))
        .finally(() => (this.baseline = undefined));
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: ControllerChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.log.warn({ err: error }, "a controller subscriber threw");
      }
    }
  }

  /**
   * Send the events committed since the last call (and the rollout they changed) to subscribers.
   * With `rollouts`, also the document of every rollout those events name (a follower's feed:
   * another process committed them).
   */
  async emitCommitted(rollout?: Rollout, rollouts = false): Promise<void> {
    if (this.listeners.size === 0) {
      this.emittedSeq = undefined;
      return;
    }
    await this.baseline;
    const since = this.emittedSeq ?? 0;
    const named = new Set<string>();
    for (const event of await this.store.eventsSince(since)) {
      // Another emit may have sent it while this one read: each event once, in order.
      if (event.seq <= (this.emittedSeq ?? 0)) continue;
      this.emittedSeq = Math.max(this.emittedSeq ?? 0, event.seq);
      this.emit({ kind: "event", event });
      if (rollouts && event.rolloutId) named.add(event.rolloutId);
    }
    if (rollout) this.emit({ kind: "rollout", rollout });
    for (const id of named) {
      const doc = await this.store.getRollout(id);
      if (doc) this.emit({ kind: "rollout", rollout: doc });
    }
  }
}
