import { describe, expect, it } from "vitest";
import { judgeConditions } from "../../core/analysis/judges/conditions.js";
import { parseCondition } from "../../core/analysis/condition.js";
import { MetricQueryError } from "../provider.js";
import { CommandProvider, parseNumberFromOutput } from "./command-provider.js";

const provider = new CommandProvider();
const window = { startMs: 0, endMs: 1 };

describe("command provider (real processes)", () => {
  it("reports exit code and the last number printed; vars are quoted and exported", async () => {
    const sample = await provider.query(
      {
        provider: "command",
        command: "echo checked {{revision}} as $SLIPWAY_REVISION; echo 'p95 181.5 ms'",
        vars: { revision: "web@v2; rm -rf /" },
      },
      window,
    );
    expect(sample.exitCode).toBe(0);
    expect(sample.values).toEqual([181.5]);
    expect(judgeConditions(sample, { metric: "smoke" }).explanation).toBe(
      "smoke: command `echo checked {{revision}} as $SLIPWAY_REVISION; echo 'p95 181.5 ms'` exited 0 → pass",
    );
  });

  it("a non-zero exit fails the measurement by default", async () => {
    const sample = await provider.query(
      { provider: "command", command: "echo 'errors: 12'; exit 3", vars: {} },
      window,
    );
    expect(sample.exitCode).toBe(3);
    expect(judgeConditions(sample, { metric: "load test" }).verdict).toBe("fail");
  });

  it("parses with a pattern and judges with conditions", async () => {
    const sample = await provider.query(
      {
        provider: "command",
        command: "printf 'requests=500\\nerror_rate=0.031\\nduration=12s\\n'",
        vars: {},
        valuePattern: "error_rate=([0-9.]+)",
      },
      window,
    );
    expect(sample.values).toEqual([0.031]);
    expect(
      judgeConditions(sample, { metric: "error rate", successCondition: parseCondition("result < 0.05") })
        .verdict,
    ).toBe("pass");
  });

  it("kills a command past its deadline and reports a timeout error", async () => {
    const err = await provider
      .query({ provider: "command", command: "sleep 5; echo 1", vars: {}, timeoutMs: 200 }, window)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricQueryError);
    expect((err as MetricQueryError).failure).toBe("timeout");
    expect((err as Error).message).toBe("command `sleep 5; echo 1` did not finish within 200 ms (killed)");
  });

  it("refuses an invalid pattern", async () => {
    const err = await provider
      .query({ provider: "command", command: "true", vars: {}, valuePattern: "([" }, window)
      .catch((e: unknown) => e);
    expect((err as MetricQueryError).failure).toBe("bad-spec");
  });

  it("parses numbers from output", () => {
    expect(parseNumberFromOutput("a 1 b 2.5e3 c")).toBe(2500);
    expect(parseNumberFromOutput("nothing")).toBeUndefined();
    expect(parseNumberFromOutput("x=-0.5", "x=(-?[0-9.]+)")).toBe(-0.5);
    expect(parseNumberFromOutput("y=1", "x=(\\d+)")).toBeUndefined();
  });
});
