import { timelineOf } from "../timeline.js";
import type { Rollout } from "../types.js";

export function Timeline({ rollout }: { rollout: Rollout }) {
  const items = timelineOf(rollout);
  return (
    <ol class="timeline" aria-label={rollout.strategy === "canary" ? "canary steps" : "rollout phases"}>
      {items.map((item, i) => (
        <li key={i} class={item.state} aria-current={item.state === "current" ? "step" : undefined}>
          <span class="marker" aria-hidden="true" />
          <span class="label">{item.label}</span>
          <span class="sr-only"> ({item.state})</span>
          {item.note && <span class="note">{item.note}</span>}
        </li>
      ))}
    </ol>
  );
}
