import type { Notification } from "./events.js";

/**
 * A notification a channel did not accept within its retry budget. Kept until someone re-sends it
 * (from the API or dashboard) or deletes it. It names the channel, never its URL.
 */
export interface DeadLetter {
  id: string;
  channel: string;
  notification: Notification;
  /** Attempts so far, over the first delivery and every re-send. */
  attempts: number;
  /** Scrubbed of secrets. */
  lastError: string;
  /** Epoch ms. */
  createdAt: number;
  lastAttemptAt: number;
}

export interface DeadLetterStore {
  add(letter: DeadLetter): Promise<void>;
  get(id: string): Promise<DeadLetter | undefined>;
  /** Newest first. */
  list(options?: { channel?: string; limit?: number }): Promise<DeadLetter[]>;
  /** After a re-send that failed again. */
  recordFailure(id: string, update: { attempts: number; lastError: string; at: number }): Promise<void>;
  remove(id: string): Promise<boolean>;
  count(): Promise<number>;
}

/** Default and largest page for `list`. */
export const DEAD_LETTER_PAGE = { default: 100, max: 1000 } as const;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEAD_LETTER_PAGE.default;
  return Math.min(DEAD_LETTER_PAGE.max, Math.max(1, Math.floor(limit)));
}

export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly letters = new Map<string, DeadLetter>();

  add(letter: DeadLetter): Promise<void> {
    this.letters.set(letter.id, structuredClone(letter));
    return Promise.resolve();
  }
  get(id: string): Promise<DeadLetter | undefined> {
    const letter = this.letters.get(id);
    return Promise.resolve(letter && structuredClone(letter));
  }
  list(options: { channel?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const all = [...this.letters.values()]
      .filter((l) => options.channel === undefined || l.channel === options.channel)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    return Promise.resolve(all.slice(0, pageSize(options.limit)).map((l) => structuredClone(l)));
  }
  recordFailure(id: string, update: { attempts: number; lastError: string; at: number }): Promise<void> {
    const letter = this.letters.get(id);
    if (letter)
      Object.assign(letter, {
        attempts: update.attempts,
        lastError: update.lastError,
        lastAttemptAt: update.at,
      });
    return Promise.resolve();
  }
  remove(id: string): Promise<boolean> {
    return Promise.resolve(this.letters.delete(id));
  }
  count(): Promise<number> {
    return Promise.resolve(this.letters.size);
  }
}
