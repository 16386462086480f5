/** "3s ago", "2m ago", "1h 5m ago": short relative times for tables. */
export function ago(at: number | string, now = Date.now()): string {
  const ms = now - (typeof at === "string" ? Date.parse(at) : at);
  if (!Number.isFinite(ms)) return "";
  return `${duration(Math.max(0, ms))} ago`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

export function clock(at: number | string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour12: false });
}

export function dateTime(at: number | string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().replace("T", " ").slice(0, 19);
}
