import type { Traffic, TrafficChange, TrafficEntry } from "./types.js";

/**
 * Applies a change to one environment's desired traffic. Revisions stay listed with weight 0 while
 * they are warm (reachable by preview header, instantly switchable back); only `remove` or `drop`
 * takes a revision out, which makes the proxy drain it.
 */
export function applyTrafficChange(traffic: Traffic, change: TrafficChange): Traffic {
  switch (change.kind) {
    case "add-preview":
      return traffic.some((t) => t.revision === change.revision)
        ? traffic
        : [...traffic, { revision: change.revision, weight: 0 }];
    case "switch": {
      const kept = traffic.filter((t) => t.revision !== change.to && t.revision !== change.drop);
      return [
        { revision: change.to, weight: 100 },
        ...kept.map((t) => ({ revision: t.revision, weight: 0 })),
      ];
    }
    case "set-weight": {
      const listed = traffic.some((t) => t.revision === change.canary)
        ? traffic
        : [...traffic, { revision: change.canary, weight: 0 }];
      const weight = Math.max(0, Math.min(100, change.weight));
      return listed.map((t) => ({
        revision: t.revision,
        weight: t.revision === change.canary ? weight : t.revision === change.stable ? 100 - weight : 0,
      }));
    }
    case "remove":
      return traffic.filter((t) => t.revision !== change.revision);
    default: {
      const unreachable: never = change;
      return unreachable;
    }
  }
}

/** The revision taking (most of) the traffic, if any: during a canary, the stable one until it passes 50 %. */
export function liveRevision(traffic: Traffic): string | undefined {
  let best: TrafficEntry | undefined;
  for (const t of traffic) if (t.weight > 0 && (!best || t.weight > best.weight)) best = t;
  return best?.revision;
}
