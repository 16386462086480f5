import { createServer } from "node:http";
import { metricProviderContract } from "../contract/metric-provider.contract.js";
import { createMetricProvider } from "../index.js";
import { freePortForTest, silentServerForTest } from "../test-support.js";

const P95_BY_REVISION: Record<string, number> = { "web/production@v2": 181.5, "web/production@v1": 120 };

// A real HTTP server on listen(0) answering each revision's p95; a free port; a server that never answers.
// A non-2xx answer is not in the failing cases on purpose: the server answered, so it is a failed
// check (a verdict); only no answer at all is an error.
metricProviderContract("http probe", async () => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const p95 = P95_BY_REVISION[url.searchParams.get("revision") ?? ""];
    if (url.pathname !== "/latency" || p95 === undefined) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ latency: { p95 } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const silent = await silentServerForTest();
  const deadPort = await freePortForTest();
  return {
    provider: createMetricProvider(),
    source: {
      provider: "http",
      method: "GET",
      url: `${base}/latency?revision={{revision}}`,
      valuePath: "$.latency.p95",
    },
    statistic: "value",
    canary: { revision: "web/production@v2" },
    stable: { revision: "web/production@v1" },
    expected: { canary: { min: 181.5, max: 181.5 }, stable: { min: 120, max: 120 } },
    failing: [
      {
        what: "an unreachable endpoint",
        source: { provider: "http", method: "GET", url: `http://127.0.0.1:${deadPort}/latency` },
        failure: "unreachable",
        says: new RegExp(
          `^GET http://127\\.0\\.0\\.1:${deadPort}/latency is unreachable \\(ECONNREFUSED\\)$`,
        ),
      },
    ],
    hanging: {
      source: { provider: "http", method: "GET", url: `${silent.url}/latency`, timeoutMs: 300 },
      timeoutMs: 300,
    },
    close: async () => {
      await silent.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
});
