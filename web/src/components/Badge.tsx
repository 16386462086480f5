const TONE: Record<string, string> = {
  promoted: "ok",
  successful: "ok",
  success: "ok",
  completed: "ok",
  "rolled-back": "bad",
  failed: "bad",
  failure: "bad",
  error: "bad",
  superseded: "muted",
  cancelled: "muted",
  skipped: "muted",
  paused: "warn",
  inconclusive: "warn",
  waiting: "muted",
  "awaiting-approval": "warn",
  ENABLED: "ok",
  DISABLED: "muted",
  "in-sync": "ok",
  behind: "warn",
  unreachable: "bad",
};

/** A phase or status as a coloured pill; the colour only repeats what the text says. */
export function Badge({ value }: { value: string }) {
  return <span class={`badge ${TONE[value] ?? "info"}`}>{value}</span>;
}
