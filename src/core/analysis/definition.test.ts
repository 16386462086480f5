import { describe, expect, it } from "vitest";
import { SlipwayError } from "../errors.js";
import { parseMetricDefinitions } from "./definition.js";

const WHERE = "slipway.yaml: environments.production.analysis.metrics";

function problems(raw: unknown[]): string[] {
  try {
    parseMetricDefinitions(raw, WHERE);
  } catch (error) {
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).code).toBe("SLIPWAY_INVALID_CONFIG");
    return (error as SlipwayError).details.problems ?? [];
  }
  throw new Error("expected the definitions to be refused");
}

describe("metric definitions", () => {
  it("types a Prometheus threshold metric with run options", () => {
    const [def] = parseMetricDefinitions(
      [
        {
          name: "error rate",
          provider: "prometheus",
          address: "http://127.0.0.1:9090",
          query: 'sum(rate(x{revision="{{revision}}"}[1m]))',
          judge: "threshold",
          statistic: "value",
          max: 0.05,
          unit: "ratio",
          interval: "30s",
          count: 5,
          failureLimit: 1,
          timeout: "5s",
        },
      ],
      WHERE,
    );
    expect(def).toEqual({
      name: "error rate",
      unit: "ratio",
      source: {
        provider: "prometheus",
        address: "http://127.0.0.1:9090",
        query: 'sum(rate(x{revision="{{revision}}"}[1m]))',
        mode: "instant",
        timeoutMs: 5000,
      },
      judge: { kind: "threshold", statistic: "value", max: 0.05 },
      run: {
        name: "error rate",
        onInconclusive: "pause",
        dryRun: false,
        intervalMs: 30_000,
        count: 5,
        failureLimit: 1,
      },
    });
  });

  it("defaults HTTP probes and commands to the conditions judge", () => {
    const defs = parseMetricDefinitions(
      [
        {
          name: "health",
          provider: "http",
          url: "http://127.0.0.1:8080/health",
          checks: [{ path: "$.status", equals: "ok" }],
        },
        { name: "smoke", provider: "command", command: "npm run smoke", onInconclusive: "wait" },
        { name: "latency", provider: "proxy", judge: "distribution", alpha: 0.05, minSamples: 100 },
      ],
      WHERE,
    );
    expect(defs.map((d) => d.judge.kind)).toEqual(["conditions", "conditions", "distribution"]);
    expect(defs[2]?.judge).toEqual({ kind: "distribution", alpha: 0.05, minSamples: 100 });
    expect(defs[1]?.run.onInconclusive).toBe("wait");
  });

  it("names index, key and expectation for each problem", () => {
    expect(
      problems([
        { name: "a", provider: "proxy", judge: "threshold", maxx: 1 },
        { name: "b", provider: "prometheus", address: "not a url", query: "up", judge: "threshold", max: 1 },
        { name: "c", provider: "proxy", successCondition: "result <" },
        { name: "d", provider: "proxy", judge: "threshold" },
        { name: "e", provider: "prometheus", address: "http://p:9090", query: "up" },
        { name: "f", provider: "prometheus", address: "http://p:9090", query: "up", judge: "error-rate" },
        { name: "g", provider: "proxy", judge: "ratio", interval: "soon" },
        { name: "g2", provider: "proxy", judge: "ratio", count: 3 },
      ]),
    ).toEqual([
      `${WHERE}[0]: Unrecognized key: "maxx"`,
      `${WHERE}[1].address: expected the Prometheus base URL, e.g. http://127.0.0.1:9090`,
      `${WHERE}[2].successCondition: condition "result <" col 9: expected a number, result, len(result), isNaN(...), isInf(...) or (`,
      `${WHERE}[3]: metric "d": a threshold needs min or max`,
      `${WHERE}[4]: metric "e" needs a judge (threshold, ratio, distribution, error-rate) or a successCondition/failureCondition`,
      `${WHERE}[5]: metric "f": the error-rate judge needs request counts, which only the proxy provider has`,
      `${WHERE}[6].interval: expected a duration like "30s", "5m", "1h"`,
      `${WHERE}[7]: metric "g2": count 3 needs an interval`,
    ]);
  });

  it("refuses duplicate names and unknown providers", () => {
    expect(
      problems([
        { name: "x", provider: "proxy", judge: "error-rate" },
        { name: "x", provider: "proxy", judge: "error-rate" },
      ]),
    ).toEqual([`${WHERE}[1].name: "x" is used twice`]);
    expect(problems([{ name: "x", provider: "datadog" }])[0]).toMatch(
      /^slipway\.yaml: environments\.production\.analysis\.metrics\[0\]\.provider: /,
    );
  });
});
