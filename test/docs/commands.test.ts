// Every documented shell command runs: the `slipway …` lines of the ```sh / ```bash blocks of
// README.md and docs/*.md are extracted and run, in document order, against a fresh project with a
// running control plane, so the docs cannot drift from the CLI again. Commands that cannot run here
// are listed in SKIP with the reason; commands whose documented use ends in "nothing to do" on a
// fresh project may exit 1 (MAY_FAIL, with the reason), never 2 (bad usage) or with an internal error.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface DocCommand {
  where: string;
  line: string;
}

/** `slipway` lines (also `npx slipway`) of the sh/bash code blocks of README.md and docs/*.md. */
export function documentedCommands(): DocCommand[] {
  const files = [
    "README.md",
    ...readdirSync(join(REPO, "docs"))
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => `docs/${f}`),
  ];
  const commands: DocCommand[] = [];
  for (const file of files) {
    let inShell = false;
    readFileSync(join(REPO, file), "utf8")
      .split("\n")
      .forEach((raw, index) => {
        const text = raw.trim();
        if (text.startsWith("```")) {
          inShell = !inShell && /^```(sh|bash|shell)\s*$/.test(text);
          return;
        }
        if (inShell && /^(npx )?slipway\b/.test(text))
          commands.push({ where: `${file}:${index + 1}`, line: text });
      });
  }
  return commands;
}

/** Not run, with why. Matched against the command line. */
const SKIP: [RegExp, string][] = [
  [
    /slipway up\b/,
    "long-running; the test starts `slipway up --port 0 --proxy-port 0` for the project itself",
  ],
  [/slipway proxy\b/, "long-running, on fixed ports 8080/8081 that other processes on a CI machine may hold"],
  [/slipway flags serve\b/, "long-running, on fixed port 8016"],
  [
    /slipway demo\b/,
    "a minute or more each, and without --exit runs until Ctrl-C; test/rollouts/demo.test.ts runs it",
  ],
  [/slipway user add\b/, "asks for the password on the terminal (--password-stdin is tested in test/api/)"],
  [
    /slipway down\b/,
    "would stop the control plane the other lines run against; test/cli/newcomer.test.ts runs it",
  ],
  [/slipway init\b/, "writes a project of its own; test/cli/newcomer.test.ts runs it in fresh repositories"],
  [
    /slipway (runner\b|server\b.*--runners queue)/,
    "long-running, against PostgreSQL and other hosts; test/runners/runners.test.ts runs them with runners in network namespaces",
  ],
];

/** May exit 1 on a fresh project (never 2), with why. */
const MAY_FAIL: [RegExp, string][] = [
  [/slipway promote\b/, "promotes a paused canary; the fresh project's rollouts are blue-green and finished"],
  [/slipway abort\b/, "aborts a rollout in progress; none is in progress when the line runs"],
  [
    /slipway rollback\b/,
    "needs a previous revision still known; the first rollback line runs after one deploy",
  ],
  [/slipway token revoke slp_/, "the id in the docs is an example, not one of this project's tokens"],
  [
    /slipway user remove alice/,
    "alice is added by the `user add` line above, skipped as it asks for a password",
  ],
];

const GIT_ENV = {
  GIT_AUTHOR_NAME: "A",
  GIT_AUTHOR_EMAIL: "a@example.com",
  GIT_COMMITTER_NAME: "A",
  GIT_COMMITTER_EMAIL: "a@example.com",
};
const server = (name: string) =>
  `require("node:http").createServer((q, s) => s.end("${name}")).listen(Number(process.env.PORT), "127.0.0.1");\n`;

const work = mkdtempSync(join(tmpdir(), "slipway-docs-"));
const project = join(work, "shop");
const bin = join(work, "bin");
let up: ChildProcess | undefined;
const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${bin}:${process.env.PATH ?? ""}`,
  NO_COLOR: "1",
  CI: "true",
  SLIPWAY_URL: "",
  SLIPWAY_TOKEN: "",
});

/** A fresh project shaped like the docs' examples: services web and api, a workflow, flags, refs. */
function freshProject(): void {
  const files: Record<string, string> = {
    "slipway.yaml": [
      "project: { name: shop }",
      "services:",
      "  web: { path: services/web, start: node server.js }",
      "  api: { path: services/api, start: node server.js, routes: [{ pathPrefix: /api }] }",
      "environments:",
      "  production:",
      "    analysis: { window: 2s, interval: 1s }",
      "    scaleDownDelay: 10m",
      "",
    ].join("\n"),
    "services/web/server.js": server("web"),
    "services/api/server.js": server("api"),
    ".gitignore": ".slipway/\n",
    ".github/workflows/ci.yml":
      "on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo tested\n",
    "flags/app.json": JSON.stringify({
      flags: {
        "new-checkout": { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off" },
      },
    }),
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), text);
  }
  // README's sample repository lines run examples/… from the checkout.
  symlinkSync(join(REPO, "examples"), join(project, "examples"));
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: project, env: { ...process.env, ...GIT_ENV } });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "v1");
  for (const tag of ["v1.3.0", "v2"]) git("tag", tag);
  writeFileSync(join(project, "services/web/server.js"), server("web 3"));
  git("commit", "-qam", "v3");
  for (const tag of ["v1.4.0", "v3"]) git("tag", tag);
  git("update-ref", "refs/remotes/origin/main", "HEAD~1"); // a feature branch's target, as affected.md has it

  // `slipway` on PATH is this checkout's bin/slipway.js; `npx slipway` in a checkout runs the same.
  mkdirSync(bin);
  writeFileSync(
    join(bin, "slipway"),
    `#!/bin/sh\nexec "${process.execPath}" "${join(REPO, "bin", "slipway.js")}" "$@"\n`,
  );
  writeFileSync(
    join(bin, "npx"),
    `#!/bin/sh\n[ "$1" = slipway ] || { echo "npx shim: only slipway" >&2; exit 127; }\nshift\nexec slipway "$@"\n`,
  );
  chmodSync(join(bin, "slipway"), 0o755);
  chmodSync(join(bin, "npx"), 0o755);
}

beforeAll(async () => {
  freshProject();
  up = spawn(join(bin, "slipway"), ["up", "--port", "0", "--proxy-port", "0"], {
    cwd: project,
    env: env(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  up.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  for (let i = 0; i < 1200 && !out.includes("token"); i++) await new Promise((ok) => setTimeout(ok, 100));
  expect(out).toContain("token");
}, 180_000);

afterAll(() => {
  try {
    execFileSync(join(bin, "slipway"), ["down"], { cwd: project, env: env(), timeout: 60_000 });
  } finally {
    up?.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
  }
}, 120_000);

describe("documented commands", () => {
  const commands = documentedCommands();

  it("are found in README.md and docs/", () => {
    expect(commands.length).toBeGreaterThan(30);
    expect(commands.map((c) => c.where)).toContain("docs/proxy.md:11");
  });

  for (const { where, line } of commands) {
    const skip = SKIP.find(([pattern]) => pattern.test(line));
    const mayFail = MAY_FAIL.find(([pattern]) => pattern.test(line));
    it.skipIf(skip !== undefined)(
      `${where}: ${line}`,
      () => {
        let code = 0;
        let stderr = "";
        try {
          execFileSync("bash", ["-o", "pipefail", "-c", line], {
            cwd: project,
            env: env(),
            stdio: ["ignore", "pipe", "pipe"],
            timeout: 120_000,
          });
        } catch (error) {
          const failure = error as { status: number | null; stderr: Buffer };
          code = failure.status ?? 1;
          stderr = failure.stderr.toString();
        }
        expect(stderr, `${where} (${relative(REPO, project)})`).not.toMatch(
          /internal error|unknown option|unknown command/,
        );
        if (mayFail) expect(code, `${where}: ${stderr}`).toBeLessThan(2);
        else expect(code, `${where}: ${stderr}`).toBe(0);
      },
      150_000,
    );
  }
});
