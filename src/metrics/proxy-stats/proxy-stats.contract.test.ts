import { ProxyAdminClient } from "../../traffic/admin-client.js";
import { inParallel, route, send, startTestProxy, startUpstream } from "../../../test/proxy/helpers.js";
import { metricProviderContract } from "../contract/metric-provider.contract.js";
import { createMetricProvider } from "../index.js";
import { freePortForTest } from "../test-support.js";

const STABLE = "web/production@v1";
const CANARY = "web/production@v2";

// The built-in proxy in this process on real sockets, splitting 1:1 between two real upstreams;
// the provider reads its admin API's per-revision stats. Before any window the canary answers
// nothing but 500s; inside a window it fails one request in ten, so counting anything from before
// the window (or stable's requests) would show in the error rate.
metricProviderContract(
  "proxy stats",
  async () => {
    let canaryMode: "down" | "one-in-ten" = "down";
    let canarySeen = 0;
    const canary = await startUpstream("canary", (req, res) => {
      req.resume();
      const fail = canaryMode === "down" || ++canarySeen % 10 === 0;
      res.writeHead(fail ? 500 : 200).end("canary");
    });
    const stable = await startUpstream("stable");
    const proxy = await startTestProxy();
    await proxy.apply([
      route("web/production", [
        [STABLE, 1, stable],
        [CANARY, 1, canary],
      ]),
    ]);
    await inParallel(20, 4, () => send(`${proxy.url}/before-the-window`));
    const provider = createMetricProvider({ proxyStats: proxy.client });
    const deadPort = await freePortForTest();
    const deadAdmin = new ProxyAdminClient({ url: `http://127.0.0.1:${deadPort}`, token: "not-a-secret" });
    return {
      provider,
      source: { provider: "proxy" },
      statistic: "error-rate",
      canary: { revision: CANARY },
      stable: { revision: STABLE },
      expected: { canary: { min: 0.1, max: 0.1 }, stable: { min: 0, max: 0 } },
      async fillWindow() {
        // What the analysis runner does when a step's window opens, then the window's traffic.
        await provider.proxy?.observe();
        canaryMode = "one-in-ten";
        canarySeen = 0;
        await inParallel(200, 4, () => send(`${proxy.url}/in-the-window`));
      },
      failing: [
        {
          what: "an unreachable proxy admin API",
          source: { provider: "proxy" },
          provider: createMetricProvider({ proxyStats: deadAdmin }),
          failure: "unreachable",
          says: /^proxy stats unavailable: .*ECONNREFUSED/,
        },
        {
          what: "a metric without a revision to measure",
          source: { provider: "proxy" },
          vars: { service: "web" },
          failure: "bad-spec",
          says: /^proxy metrics need vars\.revision/,
        },
      ],
      async close() {
        await deadAdmin.close();
        await proxy.stop();
        await canary.close();
        await stable.close();
      },
    };
  },
  {
    timeout:
      "a proxy metric has no deadline of its own (ProxyStatsSpec has no timeoutMs); the admin client's own 15 s deadline applies",
  },
);
