/**
 * Data planes in network namespaces for bench/dataplanes-propagation.mjs (bundled for plain Node by
 * importTs): `slipway proxy` started in N namespaces, each driven through its admin client,
 * and the DataPlaneSet the control plane fans tables out with.
 */
import { join } from "node:path";
import type { SpawnedProxy } from "../../src/traffic/spawn.js";
import { DataPlaneSet, type RemotePlane } from "../../src/traffic/data-plane-set.js";
import { REMOTE_ADMIN_TIMEOUT_MS } from "../../src/traffic/data-planes-from-config.js";
import { ProxyAdminClient } from "../../src/traffic/admin-client.js";
import { DEFAULT_TRAFFIC_POLICY as policy, type RouteTable } from "../../src/core/traffic/index.js";
import type { DataPlaneAdmin } from "../../src/traffic/port.js";
import {
  createNamespace,
  netnsUnavailable,
  removeAllNamespaces,
  startProxyIn,
  type Namespace,
} from "../../test/support/netns.js";

export { DataPlaneSet, netnsUnavailable, removeAllNamespaces };

const TOKEN = "bench-data-plane-token-0123456789abcdef";

export interface BenchHost {
  name: string;
  ns: Namespace;
  proxy: SpawnedProxy;
  client: ProxyAdminClient;
}

/** `slipway proxy` in a namespace of its own, its admin API on the namespace's address. */
export async function startHost(stateRoot: string, index: number): Promise<BenchHost> {
  const ns = createNamespace();
  const { proxy } = await startProxyIn(ns, join(stateRoot, `host-${index}`), TOKEN);
  const client = new ProxyAdminClient({
    url: proxy.adminUrl,
    token: TOKEN,
    timeoutMs: REMOTE_ADMIN_TIMEOUT_MS,
  });
  return { name: `host-${index + 1}`, ns, proxy, client };
}

/** The fan-out the server builds from slipway.yaml, over `hosts`, with a local data plane. */
export function fanOut(local: DataPlaneAdmin, hosts: BenchHost[]): DataPlaneSet {
  const planes: RemotePlane[] = hosts.map((h) => ({
    name: h.name,
    admin: h.proxy.adminUrl,
    client: h.client,
    environments: new Set(["prod"]),
    upstreamHost: h.ns.host,
  }));
  return new DataPlaneSet({
    local,
    hosts: planes,
    planes: [{ environment: "prod", hosts: planes.map((p) => p.name), quorum: planes.length }],
  });
}

/** A table of `routes` routes ("svc-N/prod"), two revisions of two instances each. */
export function benchTable(generation: number, routes: number, weight: number): RouteTable {
  return {
    generation,
    routes: Array.from({ length: routes }, (_, r) => ({
      id: `svc-${r}/prod`,
      hosts: [`svc-${r}.example`],
      pathPrefix: "/",
      policy,
      revisions: ["v1", "v2"].map((v, i) => ({
        id: `svc-${r}/prod@${v}`,
        weight: i === 0 ? 100 - weight : weight,
        instances: [0, 1].map((n) => ({
          id: `svc-${r}-${v}-${n}`,
          host: "127.0.0.1",
          port: 20_000 + r * 4 + i * 2 + n,
        })),
      })),
    })),
  };
}

export async function stopHost(h: BenchHost): Promise<void> {
  await h.client.close().catch(() => undefined); // closed already when its DataPlaneSet was
  await h.proxy.stop(1_000);
}
