import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/** A network namespace standing in for another host, joined to this one by a veth pair. */
export interface Namespace {
  name: string;
  /** This host's address as seen from the namespace (where the server listens). */
  hostAddress: string;
  /** The namespace's own address. */
  address: string;
}

const ip = (...args: string[]): string => execFileSync("ip", args, { encoding: "utf8" });

/**
 * `count` namespaces with unique names, each on its own /30 of 10.<random>.<i>.0 to this host.
 * `remove()` deletes them (their veth pairs go with them).
 */
export function createNamespaces(count: number): { namespaces: Namespace[]; remove(): void } {
  const tag = randomBytes(3).toString("hex");
  const subnet = 64 + (randomBytes(1)[0] ?? 0) % 128;
  const namespaces: Namespace[] = [];
  const remove = (): void => {
    for (const ns of namespaces) {
      try {
        ip("netns", "del", ns.name);
      } catch {
        // already gone
      }
    }
  };
  try {
    for (let i = 1; i <= count; i++) {
      const name = `slwr-${tag}-${i}`;
      const outside = `vr${tag}${i}h`;
      const inside = `vr${tag}${i}n`;
      const ns: Namespace = { name, hostAddress: `10.${subnet}.${i}.1`, address: `10.${subnet}.${i}.2` };
      ip("netns", "add", name);
      namespaces.push(ns);
      ip("link", "add", outside, "type", "veth", "peer", "name", inside);
      ip("link", "set", inside, "netns", name);
      ip("addr", "add", `${ns.hostAddress}/30`, "dev", outside);
      ip("link", "set", outside, "up");
      ip("-n", name, "addr", "add", `${ns.address}/30`, "dev", inside);
      ip("-n", name, "link", "set", inside, "up");
      ip("-n", name, "link", "set", "lo", "up");
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { namespaces, remove };
}
