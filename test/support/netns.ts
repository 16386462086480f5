/**
 * Network namespaces as separate hosts for tests and benchmarks (root only): each gets a veth pair
 * to the host, `10.X.Y.2` inside and `10.X.Y.1` on the host side, on a /30 of its own. Names are
 * unique per run (pid + counter), and `removeAll()` deletes what this process created.
 */
import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { spawnProxy, type SpawnedProxy } from "../../src/traffic/spawn.js";

export interface Namespace {
  name: string;
  /** The namespace's address (its proxy listens here). */
  inside: string;
  /** The host's address as the namespace reaches it (instances listen on 0.0.0.0). */
  host: string;
  /** The host-side veth. */
  hostLink: string;
  /** `ip netns exec NAME`: run a command in the namespace (spawnProxy's `launcher`). */
  exec: string[];
  /** Cut the namespace off the network (its link goes down on both ends), and bring it back. */
  cut(): void;
  restore(): void;
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] });
const created: string[] = [];
let counter = 0;

/** Whether this process may create namespaces (root, with `ip`); tests skip with the reason otherwise. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "network namespaces need root";
  try {
    ip("netns", "list");
    return undefined;
  } catch (error) {
    return `\`ip netns\` is not usable: ${(error as Error).message}`;
  }
}

export function createNamespace(): Namespace {
  const id = `${process.pid % 100_000}${(counter++).toString(36)}`;
  const name = `slw-${id}`;
  const hostLink = `slwh${id}`.slice(0, 15);
  const nsLink = `slwn${id}`.slice(0, 15);
  // A /30 of 10.0.0.0/8 picked at random: two runs at once (other helpers' tests) rarely meet.
  const [a, b, c] = [randomInt(64, 250), randomInt(0, 256), randomInt(0, 64) * 4];
  const hostAddr = `10.${a}.${b}.${c + 1}`;
  const inside = `10.${a}.${b}.${c + 2}`;
  ip("netns", "add", name);
  created.push(name);
  ip("link", "add", hostLink, "type", "veth", "peer", "name", nsLink);
  ip("link", "set", nsLink, "netns", name);
  ip("addr", "add", `${hostAddr}/30`, "dev", hostLink);
  ip("link", "set", hostLink, "up");
  const inNs = (...args: string[]) => ip("netns", "exec", name, "ip", ...args);
  inNs("addr", "add", `${inside}/30`, "dev", nsLink);
  inNs("link", "set", nsLink, "up");
  inNs("link", "set", "lo", "up");
  return {
    name,
    inside,
    host: hostAddr,
    hostLink,
    exec: ["ip", "netns", "exec", name],
    cut: () => void ip("link", "set", hostLink, "down"),
    restore: () => void ip("link", "set", hostLink, "up"),
  };
}

/** Deletes every namespace this process created (their veth pairs go with them). */
export function removeAllNamespaces(): void {
  for (const name of created.splice(0)) {
    try {
      ip("netns", "del", name);
    } catch {
      // already gone
    }
  }
}

/**
 * `slipway proxy` in the namespace: traffic on 0.0.0.0, admin API on the namespace's address (so a
 * token of 32+ characters), state in `stateDir`. `url` is its traffic URL from the host.
 */
export async function startProxyIn(
  ns: Namespace,
  stateDir: string,
  token: string,
): Promise<{ proxy: SpawnedProxy; url: string }> {
  const proxy = await spawnProxy({
    listen: "0.0.0.0:0",
    admin: `${ns.inside}:0`,
    stateDir,
    env: { SLIPWAY_PROXY_TOKEN: token, SLIPWAY_LOG_LEVEL: "warn" },
    launcher: ns.exec,
    readyTimeoutMs: 60_000,
  });
  const port = proxy.listen.slice(proxy.listen.lastIndexOf(":") + 1);
  return { proxy, url: `http://${ns.inside}:${port}` };
}
