import { describe, expect, it } from "vitest";
import { ConditionSyntaxError, parseCondition } from "./condition.js";
import { judgeConditions } from "./judges/conditions.js";
import type { MetricSample } from "./sample.js";

const sample = (values: number[], extra: Partial<MetricSample> = {}): MetricSample => ({
  values,
  series: [],
  window: { startMs: 0, endMs: 1 },
  source: "prometheus instant query",
  ...extra,
});

describe("conditions", () => {
  it.each([
    ["result < 0.05", [0.01], true],
    ["result < 0.05", [0.2], false],
    ["result[1] >= 0.95", [0, 0.97], true],
    ["result > 100 and result < 200", [150], true],
    ["result > 100 && result < 200", [250], false],
    ["len(result) == 0 || isNaN(result)", [], true],
    ["isNaN(result[0])", [Number.NaN], true],
    ["not (result == 1)", [2], true],
    ["!(result != 1)", [1], true],
    ["isInf(result)", [Number.POSITIVE_INFINITY], true],
    ["result >= -1.5e2", [-150], true],
    ["exitCode == 0", [], true],
  ] as const)("%s with result %j is %s", (source, result, expected) => {
    expect(parseCondition(source).evaluate({ result, exitCode: 0 })).toBe(expected);
  });

  it.each([
    ["result <", 9, "a number"],
    ["result << 2", 9, "a number"],
    ["result < 5 5", 12, "an operator"],
    ["result[x] > 1", 8, "an index"],
    ["(result > 1", 12, '")"'],
    ["", 1, "a condition"],
    ["foo > 1", 1, "a number"],
  ] as const)("refuses %j at column %i", (source, column, expected) => {
    try {
      parseCondition(source);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConditionSyntaxError);
      expect((error as ConditionSyntaxError).column).toBe(column);
      expect((error as Error).message).toContain(`expected ${expected}`);
    }
  });
});

describe("measurement by conditions (Argo rules)", () => {
  const ok = parseCondition("result < 0.05");
  const bad = parseCondition("result > 0.10");
  it("success condition only: true passes, false fails", () => {
    expect(
      judgeConditions(sample([0.01]), { metric: "error rate", unit: "ratio", successCondition: ok }),
    ).toEqual({
      verdict: "pass",
      explanation: "error rate: canary result [1.0%]; successCondition `result < 0.05` true → pass",
      numbers: { result: 0.01, exitCode: null },
    });
    expect(judgeConditions(sample([0.07]), { metric: "error rate", successCondition: ok }).verdict).toBe(
      "fail",
    );
  });
  it("failure condition only: false passes", () => {
    expect(judgeConditions(sample([0.07]), { metric: "error rate", failureCondition: bad }).verdict).toBe(
      "pass",
    );
    expect(judgeConditions(sample([0.2]), { metric: "error rate", failureCondition: bad }).verdict).toBe(
      "fail",
    );
  });
  it("both: neither matching is inconclusive", () => {
    const j = judgeConditions(sample([0.07]), {
      metric: "error rate",
      successCondition: ok,
      failureCondition: bad,
    });
    expect(j.verdict).toBe("inconclusive");
    expect(j.explanation).toContain("(neither condition matched) → inconclusive");
  });
  it("empty result is inconclusive unless the condition handles it", () => {
    const j = judgeConditions(sample([]), { metric: "error rate", successCondition: ok });
    expect(j.verdict).toBe("inconclusive");
    expect(j.explanation).toBe(
      "error rate: canary result [] (no data); prometheus instant query returned no data, conditions not evaluated → inconclusive",
    );
    const handled = judgeConditions(sample([]), {
      metric: "error rate",
      successCondition: parseCondition("len(result) == 0 || result < 0.05"),
    });
    expect(handled.verdict).toBe("pass");
  });
  it("without conditions, probe checks and exit codes decide, else inconclusive", () => {
    const checks = [
      { name: "status", ok: true, detail: "status 200" },
      { name: "$.db", ok: false, detail: '$.db = "down", expected "up"' },
    ];
    expect(judgeConditions(sample([], { checks }), { metric: "health" }).explanation).toBe(
      'health: 1 of 2 checks failed ($.db = "down", expected "up") → fail',
    );
    expect(
      judgeConditions(sample([], { exitCode: 0, source: "command `npm run smoke`" }), { metric: "smoke" })
        .explanation,
    ).toBe("smoke: command `npm run smoke` exited 0 → pass");
    expect(judgeConditions(sample([3]), { metric: "x" }).verdict).toBe("inconclusive");
  });
  it("range results use each series' last point", () => {
    const s = sample([], {
      series: [
        {
          labels: {},
          points: [
            [0, 0.5],
            [1000, 0.01],
          ],
        },
      ],
    });
    expect(judgeConditions(s, { metric: "error rate", successCondition: ok }).verdict).toBe("pass");
  });
});
