import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LinkedList, ListNode } from "./linked-list.js";
import { Deadline, Timeouts, type Expiring } from "./timeouts.js";

describe("LinkedList", () => {
  it("keeps order, removes any node in constant time, and ignores a node it does not hold", () => {
    const list = new LinkedList<string>();
    const [a, b, c] = ["a", "b", "c"].map((value) => new ListNode(value));
    for (const node of [a!, b!, c!]) list.append(node);
    list.remove(b!);
    list.remove(b!);
    expect(list.values()).toEqual(["a", "c"]);
    expect(list.size).toBe(2);
    expect(b).toMatchObject({ prev: undefined, next: undefined, list: undefined });
    list.remove(a!);
    list.append(a!);
    expect(list.values()).toEqual(["c", "a"]);
    expect(list.first()?.value).toBe("c");
    const other = new LinkedList<string>();
    other.remove(c!);
    other.append(c!);
    expect([list.values(), other.values(), list.size]).toEqual([["a"], ["c"], 1]);
  });
});

describe("Timeouts", () => {
  let clock = 0;
  const expired: string[] = [];
  const item = (name: string): Deadline => new Deadline({ expire: () => expired.push(name) });

  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
    expired.length = 0;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  /** Moves both the fake timers and the Timeouts' clock. */
  const advance = (ms: number) => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };

  it("expires each deadline once when its time passed, unless cancelled first", () => {
    const timeouts = new Timeouts(() => clock);
    const [a, b, c] = [item("a"), item("b"), item("c")];
    timeouts.start(a, 100);
    advance(40);
    timeouts.start(b, 100);
    timeouts.start(c, 100);
    timeouts.cancel(c);
    advance(59);
    expect(expired).toEqual([]);
    advance(1);
    expect(expired).toEqual(["a"]);
    // The timer is armed again for b, 40 ms later; c never expires.
    advance(39);
    expect(expired).toEqual(["a"]);
    advance(1);
    advance(500);
    expect(expired).toEqual(["a", "b"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("restarts a deadline from now, and keeps durations apart", () => {
    const timeouts = new Timeouts(() => clock);
    const [slow, fast] = [item("slow"), item("fast")];
    timeouts.start(slow, 300);
    timeouts.start(fast, 50);
    advance(50);
    timeouts.start(slow, 300);
    advance(250);
    expect(expired).toEqual(["fast"]);
    advance(50);
    expect(expired).toEqual(["fast", "slow"]);
  });

  it("arms one timer for a deadline started while others expire (a retry)", () => {
    const timeouts = new Timeouts(() => clock);
    const retry = item("retry");
    const first = new Deadline({
      expire: () => {
        expired.push("first");
        timeouts.start(retry, 100);
      },
    } satisfies Expiring);
    timeouts.start(first, 100);
    advance(100);
    expect(vi.getTimerCount()).toBe(1);
    advance(100);
    expect(expired).toEqual(["first", "retry"]);
  });

  it("waits out a timeout longer than one Node timer can take, in steps Node accepts", () => {
    // Node fires a timer of more than 2^31 - 1 ms after 1 ms (fake timers do not mimic that).
    const armed = vi.spyOn(globalThis, "setTimeout");
    const timeouts = new Timeouts(() => clock);
    timeouts.start(item("long"), 3_000_000_000);
    advance(2 ** 31);
    expect(expired).toEqual([]);
    advance(3_000_000_000 - 2 ** 31);
    expect(expired).toEqual(["long"]);
    const delays = armed.mock.calls.map(([, ms]) => ms ?? 0);
    expect(delays.length).toBeGreaterThan(1);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it("never expires anything after close", () => {
    const timeouts = new Timeouts(() => clock);
    timeouts.start(item("a"), 10);
    timeouts.close();
    advance(100);
    expect([expired, vi.getTimerCount()]).toEqual([[], 0]);
  });
});
