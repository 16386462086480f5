// setup-node's Node resolution against a real HTTP mirror on loopback: the Node.js dist layout
// (index.json, SHASUMS256.txt) and an npm-registry-shaped source (dist.integrity), each serving
// real .tar.gz files whose bin/node is a tiny script that prints its version.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setupNodeAction } from "../actions/builtin/setup-node.js";
import { makeContext, tempDirs } from "../actions/builtin/test-context.js";
import { pipelineSettings } from "../settings.js";
import { provideNode, type ProvideNodeOptions } from "./node-provider.js";
import { parseNodeSpec, pickRelease } from "./node-versions.js";

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const arch = process.arch;
let server: Server;
let base: string;
const requests: string[] = [];
const files = new Map<string, Buffer>();
let corrupt = false;

/** A .tar.gz holding `<top>/bin/node`, a script printing `v<version>`. */
function nodeTarball(version: string, top: string): Buffer {
  const root = dirs.make("slipway-fake-node-");
  mkdirSync(join(root, top, "bin"), { recursive: true });
  const node = join(root, top, "bin", "node");
  writeFileSync(node, `#!/bin/sh\necho v${version}\n`);
  chmodSync(node, 0o755);
  execFileSync("tar", ["-czf", join(root, "out.tgz"), "-C", root, top]);
  return readFileSync(join(root, "out.tgz"));
}

beforeAll(async () => {
  const versions = [
    { version: "v99.1.0", lts: false },
    { version: "v98.3.0", lts: "Zeta" },
    { version: "v98.2.0", lts: "Zeta" },
    { version: "v97.0.0", lts: false },
  ];
  files.set("/dist/index.json", Buffer.from(JSON.stringify(versions)));
  const packument: { versions: Record<string, unknown> } = { versions: {} };
  for (const { version } of versions) {
    const plain = version.slice(1);
    const name = `node-${version}-linux-${arch}.tar.gz`;
    const tarball = nodeTarball(plain, `node-${version}-linux-${arch}`);
    files.set(`/dist/${version}/${name}`, tarball);
    const sha = createHash("sha256").update(tarball).digest("hex");
    files.set(
      `/dist/${version}/SHASUMS256.txt`,
      Buffer.from(`${sha}  ${name}\n${"0".repeat(64)}  other.tar.xz\n`),
    );
    const npmTarball = nodeTarball(plain, "package");
    files.set(`/npm/-/${plain}.tgz`, npmTarball);
    packument.versions[plain] = {
      bin: { node: "bin/node" },
      dist: {
        tarball: `BASE/npm/-/${plain}.tgz`,
        integrity: `sha512-${createHash("sha512").update(npmTarball).digest("base64")}`,
      },
    };
  }
  server = createServer((req, res) => {
    const path = req.url ?? "/";
    requests.push(path);
    if (path === `/npm/node-linux-${arch}`) {
      res.end(JSON.stringify(packument).replaceAll("BASE", base));
      return;
    }
    const body = files.get(path);
    if (!body) {
      res.statusCode = 404;
      res.end();
      return;
    }
    // A corrupted download: same length, one byte changed.
    if (corrupt && (path.endsWith(".gz") || path.endsWith(".tgz"))) {
      const copy = Buffer.from(body);
      copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0xff;
      res.end(copy);
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function options(overrides: Partial<ProvideNodeOptions> & { wanted: string }): ProvideNodeOptions & {
  logs: string[];
  warnings: string[];
} {
  const logs: string[] = [];
  const warnings: string[] = [];
  return {
    settings: {
      toolCache: dirs.make("slipway-tool-cache-"),
      nodeSources: ["nodejs"],
      nodeMirror: `${base}/dist`,
      npmRegistry: `${base}/npm`,
    },
    hostVersion: "v96.0.0",
    checkLatest: false,
    signal: new AbortController().signal,
    log: (line) => logs.push(line),
    warning: (message) => warnings.push(message),
    logs,
    warnings,
    ...overrides,
  };
}

const runNode = (binDir: string | undefined): string =>
  execFileSync(join(binDir ?? "", "node"), { encoding: "utf8" }).trim();

describe("pickRelease", () => {
  const releases = [
    { version: "24.1.0", lts: "krypton" },
    { version: "25.0.0", lts: false as const },
    { version: "22.12.0", lts: "jod" },
    { version: "22.13.0-rc.1", lts: "jod" },
    { version: "20.18.0", lts: "iron" },
  ];
  it.each([
    ["22", "22.12.0"],
    ["20.x", "20.18.0"],
    [">=22 <25", "24.1.0"],
    ["lts/*", "24.1.0"],
    ["lts/jod", "22.12.0"],
    ["latest", "25.0.0"],
    ["18", undefined],
  ])("%s → %s", (wanted, expected) => {
    const spec = parseNodeSpec(wanted);
    if ("error" in spec) throw new Error(spec.error);
    expect(pickRelease(spec, releases)?.version).toBe(expected);
  });
});

describe("provideNode from a Node.js dist mirror", () => {
  it("downloads the newest match once, verified, then answers from the tool cache without a request", async () => {
    const first = options({ wanted: "98" });
    const provided = await provideNode(first);
    expect(provided).toMatchObject({ version: "98.3.0", from: "download" });
    expect(runNode(provided.binDir)).toBe("v98.3.0");
    expect(existsSync(join(first.settings.toolCache, "node", "98.3.0", `${arch}.complete`))).toBe(true);

    const before = requests.length;
    const again = await provideNode({ ...options({ wanted: "98.x" }), settings: first.settings });
    expect(again).toMatchObject({ version: "98.3.0", from: "tool-cache" });
    expect(requests.length).toBe(before);
  });

  it("uses the host's Node when it satisfies a range, and resolves lts/* from the release list", async () => {
    expect(await provideNode(options({ wanted: "96" }))).toMatchObject({ from: "host", binDir: undefined });
    expect(await provideNode(options({ wanted: "lts/*" }))).toMatchObject({ version: "98.3.0" });
    expect(await provideNode(options({ wanted: "latest" }))).toMatchObject({ version: "99.1.0" });
  });

  it("refuses a download whose checksum does not match, installing nothing", async () => {
    const opts = options({ wanted: "97" });
    corrupt = true;
    try {
      await expect(provideNode(opts)).rejects.toThrow(/checksum mismatch .* does not match SHASUMS256\.txt/);
    } finally {
      corrupt = false;
    }
    expect(existsSync(join(opts.settings.toolCache, "node", "97.0.0"))).toBe(false);
  });

  it("falls back to the next source when one cannot be reached, and says what failed when none can", async () => {
    const opts = options({
      wanted: "99",
      settings: {
        toolCache: dirs.make("slipway-tool-cache-"),
        nodeSources: ["nodejs", "npm"],
        nodeMirror: "http://127.0.0.1:9",
        npmRegistry: `${base}/npm`,
      },
    });
    const provided = await provideNode(opts);
    expect(provided).toMatchObject({ version: "99.1.0", from: "download" });
    expect(runNode(provided.binDir)).toBe("v99.1.0");
    expect(opts.warnings.join("\n")).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9\/index\.json/);

    const none = options({
      wanted: "95",
      settings: { ...opts.settings, nodeMirror: "http://127.0.0.1:9", npmRegistry: "http://127.0.0.1:9" },
    });
    await expect(provideNode(none)).rejects.toThrow(/no Node matching 95 .* none could be downloaded/);
  });

  it("refuses an npm tarball whose integrity does not match", async () => {
    corrupt = true;
    try {
      await expect(
        provideNode(
          options({ wanted: "97", settings: { ...options({ wanted: "" }).settings, nodeSources: ["npm"] } }),
        ),
      ).rejects.toThrow(/does not match the registry's integrity/);
    } finally {
      corrupt = false;
    }
  });
});

describe("actions/setup-node with the tool cache", () => {
  it("puts the downloaded Node first on PATH and outputs its version", async () => {
    const settings = pipelineSettings({
      SLIPWAY_CACHE_DIR: dirs.make("slipway-cache-"),
      SLIPWAY_NODE_SOURCE: "nodejs",
      SLIPWAY_NODE_MIRROR: `${base}/dist`,
    });
    const ctx = makeContext({
      workspace: dirs.make(),
      dataDir: dirs.make(),
      inputs: { "node-version": "97.x" },
      settings,
    });
    await setupNodeAction.run(ctx);
    expect(ctx.outputs["node-version"]).toBe("v97.0.0");
    expect(ctx.paths).toEqual([join(settings.toolCache, "node", "97.0.0", arch, "bin")]);
  });
});
