import { describe, expect, it } from "vitest";
import { failureStatus, type ProxyFailure } from "./errors.js";
import { renderMetrics } from "../metrics-text.js";
import { mergeStats, RevisionCounters, statusClass } from "./stats.js";

describe("RevisionCounters", () => {
  it("counts by status class and fills a cumulative latency histogram", () => {
    const counters = new RevisionCounters("web@1", "web/prod");
    counters.record(200, 0.4);
    counters.record(204, 3);
    counters.record(503, 40_000);
    const snap = counters.snapshot({ inflight: 2, websockets: 1, state: "active" });
    expect(snap.responses).toEqual({ "1xx": 0, "2xx": 2, "3xx": 0, "4xx": 0, "5xx": 1 });
    expect(snap.latency.counts.slice(0, 3)).toEqual([1, 1, 2]);
    expect(snap.latency.counts.at(-1)).toBe(2); // 40 s is beyond the last bucket: only in count
    expect(snap.latency.count).toBe(3);
    expect(snap).toMatchObject({ inflight: 2, websockets: 1, state: "active", cutAtDrain: 0 });
  });
});

describe("mergeStats", () => {
  it("sums workers revision by revision; active wins over draining over drained", () => {
    const a = new RevisionCounters("web@1", "web/prod");
    a.record(200, 1);
    const b = new RevisionCounters("web@1", "web/prod");
    b.record(500, 1);
    b.cutAtDrain = 1;
    const merged = mergeStats([
      [a.snapshot({ inflight: 1, websockets: 0, state: "drained" })],
      [b.snapshot({ inflight: 2, websockets: 3, state: "draining" })],
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ inflight: 3, websockets: 3, cutAtDrain: 1, state: "draining" });
    expect(merged[0]?.responses["2xx"]).toBe(1);
    expect(merged[0]?.responses["5xx"]).toBe(1);
    expect(merged[0]?.latency.count).toBe(2);
  });
});

describe("renderMetrics", () => {
  it("escapes label values and ends with a newline", () => {
    const counters = new RevisionCounters('we"b@1', "web/prod");
    const text = renderMetrics([counters.snapshot({ inflight: 0, websockets: 0, state: "active" })], {
      generation: 7,
      unrouted: 2,
    });
    expect(text).toContain('revision="we\\"b@1"');
    expect(text).toMatch(/^slipway_proxy_route_table_generation 7$/m);
    expect(text.endsWith("\n")).toBe(true);
  });
});

describe("proxy errors", () => {
  it.each<[ProxyFailure, number]>([
    ["unforwardable", 400],
    ["no-route", 404],
    ["no-instance", 503],
    ["circuit-open", 503],
    ["upstream-error", 502],
    ["timeout", 504],
    ["drain-cut", 504],
    ["client-gone", 499],
  ])("%s → %i", (failure, status) => {
    expect(failureStatus(failure)).toBe(status);
    expect(statusClass(status)).toBe(`${String(status)[0]}xx`);
  });
});
