import type { EnvironmentStatus } from "../types.js";

const COLORS = ["var(--c1)", "var(--c2)", "var(--c3)", "var(--c4)"];

/** The live traffic split of an environment as a bar, with its text for screen readers. */
export function WeightsBar({ revisions }: { revisions: EnvironmentStatus["revisions"] }) {
  const serving = revisions.filter((r) => r.weight > 0);
  const total = serving.reduce((sum, r) => sum + r.weight, 0) || 1;
  const text = serving.length
    ? serving.map((r) => `${r.version} ${Math.round((r.weight / total) * 100)}%`).join(", ")
    : "no traffic";
  const previews = revisions.filter((r) => r.weight === 0).map((r) => r.version);
  return (
    <div class="weights" data-testid="weights" data-split={text}>
      <div class="bar" role="img" aria-label={`traffic split: ${text}`}>
        {serving.map((r, i) => (
          <span
            key={r.id}
            class="seg"
            style={{ width: `${(r.weight / total) * 100}%`, background: COLORS[i % COLORS.length] }}
            title={`${r.version}: ${r.weight}`}
          />
        ))}
      </div>
      <div class="legend">
        {text}
        {previews.length > 0 && <span class="muted"> · preview: {previews.join(", ")}</span>}
      </div>
    </div>
  );
}
