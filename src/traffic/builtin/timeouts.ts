import { performance } from "node:perf_hooks";
import { LinkedList, ListNode } from "./linked-list.js";

/** Node's timers take at most this (longer ones fire after 1 ms): a longer wait is armed in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** What a timeout tells when its time passed. */
export interface Expiring {
  expire(): void;
}

/** One timeout of an `Expiring`, made once and started and cancelled as often as needed. */
export class Deadline extends ListNode<Expiring> {
  /** When it expires, in `Timeouts`'s clock. */
  at = 0;
}

/** The deadlines of one duration, oldest first, and the Node timer armed for the oldest. */
class DurationList extends LinkedList<Expiring> {
  timer: NodeJS.Timeout | undefined;
  onTimer: () => void = () => undefined;
}

/**
 * The proxy's per-request timeouts on one Node timer per duration, instead of a setTimeout and a
 * clearTimeout per request (a Timeout object, a closure and two updates of Node's timer lists each).
 * Every request of a revision waits the same time (its per-try timeout), so appending keeps a
 * duration's list in deadline order and cancelling is unlinking a node. The timer is armed for the
 * oldest deadline only; when it fires it expires what is due and is armed again for the next.
 */
export class Timeouts {
  private readonly lists = new Map<number, DurationList>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Starts (or restarts) a deadline `ms` from now. */
  start(deadline: Deadline, ms: number): void {
    let list = this.lists.get(ms);
    if (!list) {
      const created = new DurationList();
      created.onTimer = () => this.fire(created);
      this.lists.set(ms, created);
      list = created;
    }
    deadline.at = this.now() + ms;
    list.append(deadline);
    list.timer ??= setTimeout(list.onTimer, Math.min(ms, MAX_DELAY_MS)).unref();
  }

  /** Stops a deadline; one not started, expired or cancelled already is left alone. */
  cancel(deadline: Deadline): void {
    deadline.list?.remove(deadline);
  }

  /** Stops every timer (shutdown); pending deadlines never expire. */
  close(): void {
    for (const list of this.lists.values()) clearTimeout(list.timer);
    this.lists.clear();
  }

  private fire(list: DurationList): void {
    // `list.timer` stays set until the end, so a deadline started by an `expire` below (a retry)
    // does not arm a second timer.
    const now = this.now();
    for (let node = list.first(); node && (node as Deadline).at <= now; node = list.first()) {
      list.remove(node);
      node.value.expire();
    }
    const next = list.first() as Deadline | undefined;
    // Node's timers may fire a little before `now()` reaches a deadline: at least 1 ms more then.
    const delay = next ? Math.min(MAX_DELAY_MS, Math.max(1, Math.ceil(next.at - now))) : 0;
    list.timer = next ? setTimeout(list.onTimer, delay).unref() : undefined;
  }
}
