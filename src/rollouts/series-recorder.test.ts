import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Rollout, Traffic } from "../core/rollout/types.js";
import type { SeriesPoint } from "../store/ports/rollout-series-store.js";
import { SeriesRecorder } from "./series-recorder.js";

const V1 = { id: "web/production@v1", version: "v1" };
const V2 = { id: "web/production@v2", version: "v2" };
const rollout = (phase: Rollout["phase"]): Rollout =>
  ({ id: "r-2", service: "web", environment: "production", candidate: V2, stable: V1, phase }) as Rollout;

function world(initial: Traffic) {
  let traffic = initial;
  let stored: Rollout = rollout("stepping");
  const points: [string, SeriesPoint][] = [];
  const prunes: number[] = [];
  const recorder = new SeriesRecorder({
    store: {
      traffic: (service, environment) => Promise.resolve({ service, environment, routes: [], traffic }),
      getRollout: () => Promise.resolve(stored),
    },
    series: {
      append: (id, point) => {
        points.push([id, point]);
        return Promise.resolve();
      },
      series: () => Promise.resolve([]),
      prune: (keep) => {
        prunes.push(keep);
        return Promise.resolve(0);
      },
    },
    samplesOf: () => [],
    logger: pino({ enabled: false }),
    intervalMs: 1000,
    keepRollouts: 7,
  });
  return {
    recorder,
    points,
    prunes,
    move: (next: Traffic, r: Rollout) => {
      traffic = next;
      stored = r;
    },
  };
}

describe("SeriesRecorder", () => {
  it("records an unfinished rollout once per interval, and once more when it has finished", async () => {
    const w = world([
      { revision: V1.id, weight: 80 },
      { revision: V2.id, weight: 20 },
    ]);
    await w.recorder.record([rollout("stepping")], 0);
    await w.recorder.record([rollout("stepping")], 500); // within the interval: nothing
    await w.recorder.record([rollout("stepping")], 1000);
    w.move([{ revision: V2.id, weight: 100 }], rollout("promoted"));
    await w.recorder.record([], 1100); // finished: its final weights, at once
    await w.recorder.record([], 5000); // and nothing after
    expect(w.points.map(([id, p]) => [id, p.at, p.weights])).toEqual([
      ["r-2", 0, { candidate: 20, stable: 80 }],
      ["r-2", 1000, { candidate: 20, stable: 80 }],
      ["r-2", 1100, { candidate: 100, stable: 0 }],
    ]);
    expect(w.prunes).toEqual([7]); // once, when it finished
  });

  it("records nothing while a rollout waits for an approval", async () => {
    const w = world([{ revision: V1.id, weight: 100 }]);
    await w.recorder.record([rollout("awaiting-approval")], 0);
    await w.recorder.record([], 1000);
    expect(w.points).toEqual([]);
  });
});
