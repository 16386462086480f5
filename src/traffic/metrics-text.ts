import type { RevisionStats } from "../core/traffic/index.js";

// Shared by every data plane provider: the same metric names whichever one serves.

/** Prometheus text exposition (format 0.0.4) of the merged stats. */
export function renderMetrics(
  stats: RevisionStats[],
  extra: { generation: number; unrouted: number },
): string {
  const lines: string[] = [];
  const labels = (s: RevisionStats) =>
    `route="${escapeLabel(s.route)}",revision="${escapeLabel(s.revision)}"`;
  lines.push("# HELP slipway_proxy_requests_total Requests answered, by route, revision and status class.");
  lines.push("# TYPE slipway_proxy_requests_total counter");
  for (const s of stats) {
    for (const [cls, n] of Object.entries(s.responses))
      lines.push(`slipway_proxy_requests_total{${labels(s)},class="${cls}"} ${n}`);
  }
  lines.push("# HELP slipway_proxy_request_duration_seconds Time from request to the end of the response.");
  lines.push("# TYPE slipway_proxy_request_duration_seconds histogram");
  for (const s of stats) {
    s.latency.bucketsMs.forEach((le, i) => {
      lines.push(
        `slipway_proxy_request_duration_seconds_bucket{${labels(s)},le="${le / 1000}"} ${s.latency.counts[i] ?? 0}`,
      );
    });
    lines.push(`slipway_proxy_request_duration_seconds_bucket{${labels(s)},le="+Inf"} ${s.latency.count}`);
    lines.push(`slipway_proxy_request_duration_seconds_sum{${labels(s)}} ${s.latency.sum / 1000}`);
    lines.push(`slipway_proxy_request_duration_seconds_count{${labels(s)}} ${s.latency.count}`);
  }
  lines.push("# HELP slipway_proxy_inflight_requests Requests in flight (including queued ones).");
  lines.push("# TYPE slipway_proxy_inflight_requests gauge");
  for (const s of stats) lines.push(`slipway_proxy_inflight_requests{${labels(s)}} ${s.inflight}`);
  lines.push("# HELP slipway_proxy_websockets Open WebSocket connections.");
  lines.push("# TYPE slipway_proxy_websockets gauge");
  for (const s of stats) lines.push(`slipway_proxy_websockets{${labels(s)}} ${s.websockets ?? 0}`);
  lines.push(
    "# HELP slipway_proxy_drain_cut_total Requests cut with 504 when their revision's drain timeout passed.",
  );
  lines.push("# TYPE slipway_proxy_drain_cut_total counter");
  for (const s of stats) lines.push(`slipway_proxy_drain_cut_total{${labels(s)}} ${s.cutAtDrain ?? 0}`);
  lines.push(
    "# HELP slipway_proxy_preview_requests_total Preview requests (signed x-slipway-revision); not in requests_total.",
  );
  lines.push("# TYPE slipway_proxy_preview_requests_total counter");
  for (const s of stats) lines.push(`slipway_proxy_preview_requests_total{${labels(s)}} ${s.previews ?? 0}`);
  lines.push("# HELP slipway_proxy_unrouted_total Requests that matched no route (404).");
  lines.push("# TYPE slipway_proxy_unrouted_total counter");
  lines.push(`slipway_proxy_unrouted_total ${extra.unrouted}`);
  lines.push("# HELP slipway_proxy_route_table_generation Generation of the installed route table.");
  lines.push("# TYPE slipway_proxy_route_table_generation gauge");
  lines.push(`slipway_proxy_route_table_generation ${extra.generation}`);
  return `${lines.join("\n")}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
