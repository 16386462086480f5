import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { metricProviderContract } from "../contract/metric-provider.contract.js";
import { createMetricProvider } from "../index.js";

// Real /bin/sh commands. A non-zero exit is not in the failing cases on purpose: a command's exit
// code IS its measurement (a smoke test saying "fail" is a verdict, as Argo's job metric), so the
// sources it cannot measure are a command that cannot start and one that never finishes.
metricProviderContract("command", () => {
  const scratch = mkdtempSync(join(tmpdir(), "slipway-metric-contract-"));
  return Promise.resolve({
    provider: createMetricProvider(),
    source: {
      provider: "command",
      // The revision arrives shell-quoted in the template and exported as $SLIPWAY_REVISION.
      command: `case {{revision}} in *@v2) echo "p95=181.5 for $SLIPWAY_REVISION";; *@v1) echo "p95=120 for $SLIPWAY_REVISION";; *) exit 2;; esac`,
      valuePattern: "p95=([0-9.]+)",
      cwd: scratch,
    },
    statistic: "value",
    canary: { revision: "web/production@v2" },
    stable: { revision: "web/production@v1" },
    expected: { canary: { min: 181.5, max: 181.5 }, stable: { min: 120, max: 120 } },
    failing: [
      {
        what: "a command that cannot start (its working directory is gone)",
        source: { provider: "command", command: "echo 1", cwd: join(scratch, "gone") },
        failure: "unreachable",
        says: /^command `echo 1` could not start: .*ENOENT/,
      },
    ],
    hanging: { source: { provider: "command", command: "sleep 30; echo 1", timeoutMs: 300 }, timeoutMs: 300 },
    close: () => {
      rmSync(scratch, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});
