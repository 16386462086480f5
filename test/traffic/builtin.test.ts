import { trafficRouterContract } from "./contract.js";
import { startTestProxy } from "../proxy/helpers.js";

// The built-in proxy (src/traffic/builtin/) in this process, on real sockets.
trafficRouterContract("builtin proxy", async () => {
  const proxy = await startTestProxy();
  return { admin: proxy.client, url: proxy.url, close: () => proxy.stop() };
});
