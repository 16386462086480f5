// A Node taken from the npm registry's node-linux-<arch> package holds bin/node only; the official
// tarball also bundles npm, npx and (up to Node 24) corepack. Without them a leg's `npm` was the
// host's, which fails on other majors ("tracingChannel is not a function" on Node 19). Through
// `slipway run` against an npm-shaped registry on loopback serving real .tgz files: each leg gets
// an npm of the major its Node line bundles (else the newest whose engines accept that Node),
// corepack only where Node bundled it.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo, runCli } from "./helpers.js";

const arch = process.arch;
const scratch = mkdtempSync(join(tmpdir(), "slipway-npm-companions-"));
const files = new Map<string, Buffer>();
const packuments = new Map<string, { versions: Record<string, unknown> }>();
let server: Server;
let base = "";

/** A .tgz of `package/…` with these executable-or-not files (registry tarballs store 0644). */
function tarball(name: string, entries: Record<string, string>, mode = 0o644): Buffer {
  const root = join(scratch, `${name}-${files.size}`);
  for (const [path, text] of Object.entries(entries)) {
    mkdirSync(join(root, "package", path, ".."), { recursive: true });
    writeFileSync(join(root, "package", path), text);
    chmodSync(join(root, "package", path), mode);
  }
  execFileSync("tar", ["-czf", join(root, "out.tgz"), "-C", root, "package"]);
  return readFileSync(join(root, "out.tgz"));
}

function publish(
  name: string,
  version: string,
  body: Buffer,
  meta: { bin?: Record<string, string>; engines?: { node: string } },
): void {
  const path = `/-/${name}-${version}.tgz`;
  files.set(path, body);
  const doc = packuments.get(name) ?? { versions: {} };
  doc.versions[version] = {
    ...meta,
    dist: {
      tarball: `BASE${path}`,
      integrity: `sha512-${createHash("sha512").update(body).digest("base64")}`,
    },
  };
  packuments.set(name, doc);
}

beforeAll(async () => {
  // Two Node majors nobody has on the host; bin/node is a script printing its version.
  for (const version of ["24.99.0", "95.2.0", "14.99.0", "22.99.0", "26.99.0"]) {
    publish(
      `node-linux-${arch}`,
      version,
      tarball("node", { "bin/node": `#!/bin/sh\necho v${version}\n` }, 0o755),
      {
        bin: { node: "bin/node" },
      },
    );
  }
  // npm 49 supports Node 24 only, npm 51 Node 95 and later; a prerelease is never taken.
  const npm = (version: string): Buffer =>
    tarball("npm", {
      "package.json": JSON.stringify({ name: "npm", version }),
      "bin/npm-cli.js": `#!/bin/sh\necho npm ${version}\n`,
      "bin/npx-cli.js": `#!/bin/sh\necho npx ${version}\n`,
    });
  const npmBins = { npm: "bin/npm-cli.js", npx: "bin/npx-cli.js" };
  publish("npm", "49.0.0", npm("49.0.0"), { bin: npmBins, engines: { node: "^24.0.0" } });
  publish("npm", "51.0.0", npm("51.0.0"), { bin: npmBins, engines: { node: ">=95" } });
  publish("npm", "52.0.0-pre.1", npm("52.0.0-pre.1"), { bin: npmBins, engines: { node: ">=20" } });
  // For Node 14, 22 and 26: their own npm majors (6, 10, 11) and newer ones whose engines accept them too.
  publish("npm", "6.99.0", npm("6.99.0"), { bin: npmBins, engines: { node: "^14.0.0" } });
  publish("npm", "9.99.0", npm("9.99.0"), { bin: npmBins, engines: { node: "^14.17.0 || ^16.13.0" } });
  publish("npm", "10.99.0", npm("10.99.0"), { bin: npmBins, engines: { node: "^22.0.0" } });
  publish("npm", "11.99.0", npm("11.99.0"), { bin: npmBins, engines: { node: "^22.9.0 || >=26" } });
  publish("npm", "12.99.0", npm("12.99.0"), { bin: npmBins, engines: { node: ">=26" } });
  publish(
    "corepack",
    "0.99.0",
    tarball("corepack", {
      "package.json": JSON.stringify({ name: "corepack", version: "0.99.0" }),
      "dist/corepack.js": "#!/bin/sh\necho corepack 0.99.0\n",
    }),
    { bin: { corepack: "./dist/corepack.js" } },
  );
  server = createServer((req, res) => {
    const path = req.url ?? "/";
    const doc = packuments.get(decodeURIComponent(path.slice(1)));
    if (doc) {
      res.end(JSON.stringify(doc).replaceAll("BASE", base));
      return;
    }
    const body = files.get(path);
    res.statusCode = body ? 200 : 404;
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(scratch, { recursive: true, force: true });
});

const WORKFLOW = `name: npm per leg
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [24, 95]
    steps:
      - uses: actions/setup-node@v4
        with:
          node-version: \${{ matrix.node }}
      - run: echo "leg \${{ matrix.node }}:" "$(node --version)" "$(npm --version)" "$(npx --version)" $(ls "$(dirname "$(command -v node)")")
`;

/**
 * Runs the legs workflow (the Nodes of `nodes`) with Node from the fake registry into its own tool
 * cache; answers the run's logs and the tool cache.
 */
async function runLegs(nodes: string, toolCacheName: string): Promise<{ logs: string; toolCache: string }> {
  const repo = makeRepo([], {
    ".github/workflows/legs.yml": WORKFLOW.replace("node: [24, 95]", `node: ${nodes}`),
  });
  const toolCache = join(scratch, toolCacheName);
  try {
    const result = await runCli(["run", "--json", "--max-parallel", "2"], {
      cwd: repo.dir,
      env: {
        SLIPWAY_CACHE_DIR: join(scratch, "cache"),
        RUNNER_TOOL_CACHE: toolCache,
        SLIPWAY_NODE_SOURCE: "npm",
        SLIPWAY_NODE_NPM_REGISTRY: base,
      },
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const { runId } = JSON.parse(result.stdout) as { runId: string };
    const logs = (await runCli(["logs", runId], { cwd: repo.dir, timeoutMs: 60_000 })).stdout;
    return { logs, toolCache };
  } finally {
    repo.cleanup();
  }
}

describe("Node from the npm registry comes with its npm", () => {
  it("gives each leg the newest npm its Node supports when none of its bundled major does (and corepack up to Node 24)", async () => {
    const { logs, toolCache } = await runLegs("[24, 95]", "tool-cache");
    // The host's npm would print its own version; these are the tool cache's.
    // corepack left Node's tarball after 24: Node 95 gets none.
    expect(logs).toContain("leg 24: v24.99.0 npm 49.0.0 npx 49.0.0 corepack node npm npx\n");
    expect(logs).toContain("leg 95: v95.2.0 npm 51.0.0 npx 51.0.0 node npm npx\n");
    expect(logs).toMatch(/npm 49\.0\.0 added to Node 24\.99\.0/);
    expect(logs).toMatch(/corepack 0\.99\.0 added to Node 24\.99\.0/);
    const npmCli = join(toolCache, "node", "95.2.0", arch, "bin", "npm");
    expect(execFileSync(npmCli, { encoding: "utf8" })).toBe("npm 51.0.0\n");
  }, 180_000);

  it("gives Node 14, 22 and 26 the npm major their official tarballs bundle, not a newer one their engines accept", async () => {
    // yargs-parser's leg on Node 22 got npm 11.21, which skipped puppeteer's install script that
    // npm 10 (Node 22's own) runs on GitHub; npm 7+ on Node 10–14 installs peer dependencies.
    // Node 26 got npm 12, whose `npm view --json` array broke node-semver's install-latest-npm.
    const { logs } = await runLegs("[14, 22, 26]", "tool-cache-bundled");
    expect(logs).toContain("leg 14: v14.99.0 npm 6.99.0 npx 6.99.0");
    expect(logs).toContain("leg 22: v22.99.0 npm 10.99.0 npx 10.99.0");
    expect(logs).toContain("leg 26: v26.99.0 npm 11.99.0 npx 11.99.0");
    expect(logs).toMatch(/npm 10\.99\.0 added to Node 22\.99\.0 \(npm 10 is what Node 22 bundles\)/);
  }, 180_000);
});
