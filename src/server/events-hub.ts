/**
 * The live feed behind `GET /api/events`: a small publish/subscribe hub with a bounded ring buffer,
 * so a client that reconnects with `Last-Event-ID` gets what it missed (when still buffered).
 * The server forwards the controller's changes into it; other parts publish their own
 * (`events.publish({ kind: "run", run })`).
 */
export interface HubEvent {
  /** Increasing from 1 for the life of the process; the SSE `id:`. */
  id: number;
  change: unknown;
}

export const EVENTS_BUFFER_SIZE = 500;

export class EventHub {
  private readonly buffer: HubEvent[] = [];
  private readonly listeners = new Set<(event: HubEvent) => void>();
  private nextId = 1;

  constructor(private readonly capacity = EVENTS_BUFFER_SIZE) {}

  /**
   * Sends `change` to every subscriber; it must be JSON-serialisable. A bound function, so it can be
   * handed around as `publish: hub.publish`.
   */
  readonly publish = (change: unknown): HubEvent => {
    const event = { id: this.nextId++, change };
    this.buffer.push(event);
    if (this.buffer.length > this.capacity) this.buffer.shift();
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // a broken subscriber must not stop the others
      }
    }
    return event;
  };

  /** Calls `listener` for every later event; returns the unsubscribe function. */
  subscribe(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Buffered events after `lastId`, or `undefined` when some of them were already dropped from the
   * ring or `lastId` is from an earlier server process (the client should reload its state).
   */
  since(lastId: number): HubEvent[] | undefined {
    const first = this.buffer[0];
    // An id this process never issued comes from before a restart: the client must reload.
    if (lastId > this.nextId - 1) return undefined;
    if (lastId === this.nextId - 1) return [];
    if (first === undefined || lastId < first.id - 1) return undefined;
    return this.buffer.filter((e) => e.id > lastId);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
