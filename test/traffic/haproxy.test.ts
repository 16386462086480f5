import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trafficRouterContract } from "./contract.js";
import { HaproxyDataPlane } from "../../src/traffic/haproxy/data-plane.js";

// HAProxy 2.6 (scripts/test-deps.sh installs it) driven by Slipway: real haproxy processes.
trafficRouterContract("haproxy", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "slipway-haproxy-"));
  const plane = await HaproxyDataPlane.start({ stateDir, listen: "127.0.0.1:0", threads: 1 });
  return {
    admin: plane,
    url: `http://${plane.listenAddress()}`,
    close: async () => {
      await plane.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
});
