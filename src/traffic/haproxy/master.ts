import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Where the HAProxy data plane keeps its files under a proxy state directory. */
export const haproxyDir = (proxyStateDir: string) => join(proxyStateDir, "haproxy");

/**
 * The pid of the HAProxy master that Slipway started for this proxy state directory, if it still
 * runs. HAProxy runs detached (it outlives its controller), so `slipway down` stops it by this pid;
 * a pid reused by another program (not haproxy on this directory's haproxy.cfg) is not returned.
 */
export function runningHaproxyMaster(proxyStateDir: string): number | undefined {
  const dir = haproxyDir(proxyStateDir);
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, "master.pid"), "utf8").trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const ours = /haproxy/.test(argv[0] ?? "") && argv.includes(join(dir, "haproxy.cfg"));
    return ours ? pid : undefined;
  } catch {
    return undefined; // gone (or no /proc: nothing to check it against)
  }
}
