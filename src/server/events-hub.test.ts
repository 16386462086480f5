import { describe, expect, it } from "vitest";
import { EventHub } from "./events-hub.js";

describe("EventHub", () => {
  it("numbers events from 1 and delivers them to every subscriber until it unsubscribes", () => {
    const hub = new EventHub(10);
    const a: number[] = [];
    const b: number[] = [];
    const offA = hub.subscribe((e) => a.push(e.id));
    hub.subscribe((e) => b.push(e.id));
    hub.publish({ n: 1 });
    offA();
    hub.publish({ n: 2 });
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
    expect(hub.subscribers).toBe(1);
  });

  it("keeps publishing to the others when a subscriber throws, and works unbound", () => {
    const hub = new EventHub(10);
    const seen: unknown[] = [];
    hub.subscribe(() => {
      throw new Error("broken");
    });
    hub.subscribe((e) => seen.push(e.change));
    const { publish } = hub;
    publish("x");
    expect(seen).toEqual(["x"]);
  });

  it("replays what a client missed from the ring, and says when it cannot", () => {
    const hub = new EventHub(3);
    for (let n = 1; n <= 5; n++) hub.publish(n);
    // Ring holds ids 3, 4, 5.
    expect(hub.since(5)).toEqual([]);
    expect(hub.since(4)?.map((e) => e.id)).toEqual([5]);
    expect(hub.since(2)?.map((e) => e.id)).toEqual([3, 4, 5]);
    expect(hub.since(1)).toBeUndefined(); // id 2 was dropped
    expect(hub.since(99)).toBeUndefined(); // issued before a restart: reload
  });
});
