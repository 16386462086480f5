import { describe, expect, it } from "vitest";
import type { Rollout } from "../../core/rollout/types.js";
import { routeLabel } from "./app.js";
import { ControlPlaneMetrics, type MetricsChange } from "./prometheus.js";

const rollout = (patch: Record<string, unknown>): Rollout =>
  ({
    id: "r-1",
    service: "web",
    environment: "production",
    kind: "deploy",
    strategy: "blue-green",
    candidate: { id: "web/production@v2", version: "v2" },
    phase: "pending",
    phaseSince: 1_000,
    createdAt: 1_000,
    actor: "alice",
    settings: {},
    ...patch,
  }) as Rollout;

function feed(metrics: ControlPlaneMetrics, changes: MetricsChange[]): void {
  let listener: ((c: MetricsChange) => void) | undefined;
  metrics.listen({ subscribe: (l) => ((listener = l), () => (listener = undefined)) });
  for (const change of changes) listener?.(change);
}

const event = (type: string, extra: Record<string, string> = {}): MetricsChange => ({
  kind: "event",
  event: {
    seq: 1,
    at: "",
    actor: "controller",
    type,
    service: "web",
    environment: "production",
    message: "",
    ...extra,
  },
});

describe("ControlPlaneMetrics", () => {
  it("counts each rollout, decision, rollback and analysis verdict once, however often it is seen", async () => {
    const metrics = new ControlPlaneMetrics({ defaultMetrics: false });
    const analysed = {
      analysis: [
        {
          id: "r-1/a1",
          startedAt: 1_000,
          finishedAt: 30_000,
          metrics: [
            { name: "error-rate", state: { phase: "failed" } },
            { name: "latency-p95", state: { phase: "successful" } },
          ],
        },
      ],
    };
    feed(metrics, [
      event("rollout.created"),
      { kind: "rollout", rollout: rollout({}) },
      { kind: "rollout", rollout: rollout({ phase: "analysing", phaseSince: 5_000 }) },
      event("rollout.rollback", { reason: "error rate 20.0% > 5.0% over 2000ms (8/40 requests 5xx)" }),
      {
        kind: "rollout",
        rollout: rollout({ phase: "draining", phaseSince: 31_000, outcome: "rolled-back", ...analysed }),
      },
      {
        kind: "rollout",
        rollout: rollout({ phase: "rolled-back", phaseSince: 40_000, outcome: "rolled-back", ...analysed }),
      },
      {
        kind: "rollout",
        rollout: rollout({ phase: "rolled-back", phaseSince: 40_000, outcome: "rolled-back", ...analysed }),
      },
      // `slipway rollback` redeploying v1: a rollout of kind "rollback".
      {
        kind: "rollout",
        rollout: rollout({ id: "r-2", kind: "rollback", reason: "manual rollback by bob: x" }),
      },
    ]);
    const text = (await metrics.render()).text;
    const line = (prefix: string) => text.split("\n").find((l) => l.startsWith(prefix));
    expect(line('slipway_rollouts_started_total{service="web",environment="production"}')).toMatch(/ 1$/);
    expect(
      line('slipway_rollouts_finished_total{service="web",environment="production",result="rolled-back"}'),
    ).toMatch(/ 1$/);
    expect(
      line('slipway_rollout_duration_seconds_sum{environment="production",result="rolled-back"}'),
    ).toMatch(/ 30$/);
    expect(
      line('slipway_rollout_duration_seconds_count{environment="production",result="rolled-back"}'),
    ).toMatch(/ 1$/);
    expect(
      line('slipway_rollbacks_total{service="web",environment="production",trigger="error-rate"}'),
    ).toMatch(/ 1$/);
    expect(line('slipway_rollbacks_total{service="web",environment="production",trigger="manual"}')).toMatch(
      / 1$/,
    );
    expect(line('slipway_analysis_verdicts_total{metric="error-rate",verdict="failed"}')).toMatch(/ 1$/);
    expect(line('slipway_analysis_verdicts_total{metric="latency-p95",verdict="successful"}')).toMatch(/ 1$/);
    metrics.close();
  });

  it("times API requests by declared route, never by raw URL", async () => {
    const metrics = new ControlPlaneMetrics({ defaultMetrics: false });
    for (const [method, path, status] of [
      ["GET", "/api/rollouts/r-1", 200],
      ["GET", "/api/rollouts/r-2", 200],
      ["GET", "/api/nothing", 404],
      ["GET", "/app/rollouts", 200],
    ] as const) {
      metrics.observeRequest({ method, route: routeLabel(method, path), status, seconds: 0.002 });
    }
    const text = (await metrics.render()).text;
    expect(text).toContain(
      'slipway_api_request_duration_seconds_count{method="GET",route="/api/rollouts/:id",status="200"} 2',
    );
    expect(text).toContain(
      'slipway_api_request_duration_seconds_bucket{le="0.0025",method="GET",route="/api/rollouts/:id",status="200"} 2',
    );
    expect(text).toContain(
      'slipway_api_request_duration_seconds_count{method="GET",route="/api/*",status="404"} 1',
    );
    expect(text).toContain(
      'slipway_api_request_duration_seconds_count{method="GET",route="static",status="200"} 1',
    );
  });

  it("exports the process's default metrics unless told not to", async () => {
    expect((await new ControlPlaneMetrics().render()).text).toContain("process_cpu_user_seconds_total");
    expect((await new ControlPlaneMetrics({ defaultMetrics: false }).render()).text).not.toContain(
      "process_cpu",
    );
  });
});
